"""Domain errors raised by services: each carries the Japanese message shown to the user and the HTTP status
its page answers with (the pages themselves: consult/core/errorpages.py)."""


class DomainError(Exception):
    """A business rule was broken; `message` is shown to the user in Japanese."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(DomainError):
    """The user may not do this."""

    status = 403


class NotFound(DomainError):
    """The object does not exist or is not visible to the user."""

    status = 404


class ConflictError(DomainError):
    """Someone else changed the record first (optimistic locking)."""

    status = 409

    def __init__(self, message: str, current=None, changes: dict | None = None):
        super().__init__(message)
        self.current = current
        self.changes = changes or {}
