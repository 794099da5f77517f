"""The only calls from the records lifecycle into the attachment store (re-point them when the store changes).

Database store (the default on PostgreSQL): the blob rows are deleted in the disposal's own transaction
(erase.py); files of either store are unlinked after the commit here."""
from consult.tickets import attachments as attachment_store
from consult.tickets.store import get_store


def remove_attachment_files(stored_names) -> None:
    """Really remove the files of disposed attachments from the attachment store."""
    attachment_store.remove_files(stored_names)


def read_attachment(stored_name: str) -> bytes:
    """The content of a stored attachment (for the transfer package), from whichever store holds it."""
    return get_store().open(stored_name)


def attachment_exists(stored_name: str) -> bool:
    """Whether the store still holds the content (tests prove disposal removed it)."""
    return get_store().exists(stored_name)
