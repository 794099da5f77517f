"""E-mail notifications (interface). Each `queue_*` adds MailOutbox rows to the caller's
transaction; `send_pending()` is called after commit and never raises."""


def queue_new_ticket(ticket) -> None:
    """New ticket → the desk's address."""


def queue_assigned(ticket, handlers) -> None:
    """Assignment → the newly assigned handlers."""


def queue_public_reply(ticket, comment) -> None:
    """Public reply from DX staff → the requester."""


def queue_status_changed(ticket, old_status: str) -> None:
    """Status change → the requester."""


def queue_requester_reply(ticket, comment) -> None:
    """Reply from the requester → the handlers."""


def send_pending(limit: int = 50) -> int:
    """Send due mails from the outbox; failures are logged and retried later. Returns mails sent."""
    return 0
