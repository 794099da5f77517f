"""The only calls from the records lifecycle into the attachment store (re-point them when the store changes)."""
from consult.tickets import attachments as attachment_store


def remove_attachment_files(stored_names) -> None:
    """Really remove the files of disposed attachments from the attachment store."""
    attachment_store.remove_files(stored_names)


def read_attachment(stored_name: str) -> bytes:
    """The content of a stored attachment (for the transfer package)."""
    return attachment_store.stored_path(stored_name).read_bytes()


def attachment_exists(stored_name: str) -> bool:
    """Whether the store still holds the file (tests prove disposal removed it)."""
    return attachment_store.stored_path(stored_name).is_file()
