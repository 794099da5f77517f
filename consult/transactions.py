"""The one transaction helper: commit, or turn a concurrent update into a ConflictError with a Japanese message.

Tickets, cases, retention records and rules carry a version column (optimistic locking). When another process
updated the row first, the flush or commit raises StaleDataError; every service turns that into the same 409 page
(input kept) through `conflicts()` / `commit()`, with a message from `conflict_message()`."""
from collections.abc import Callable
from contextlib import contextmanager

from sqlalchemy.orm.exc import StaleDataError

from consult.errors import ConflictError
from models import db


def conflict_message(thing: str, who: str = "ほかの人") -> str:
    """The message of every conflict: who changed `thing` first and what to do now."""
    return f"{who}が先に{thing}を更新しました。最新の内容を確認してから、もう一度操作してください。"


def _error(conflict: str | Callable[[], ConflictError]) -> ConflictError:
    return conflict() if callable(conflict) else ConflictError(conflict)


@contextmanager
def conflicts(conflict: str | Callable[[], ConflictError], also: tuple[type[Exception], ...] = ()):
    """Inside the block, a stale flush or commit (and any exception type in `also`, e.g. the IntegrityError of a row
    another process created meanwhile) rolls the session back and raises a ConflictError: `conflict` is its message,
    or a function building it (one that lists the fields that differ, say). Usable as a decorator too."""
    try:
        yield
    except (StaleDataError, *also) as exc:
        db.session.rollback()
        raise _error(conflict) from exc


def commit(conflict: str | Callable[[], ConflictError], also: tuple[type[Exception], ...] = ()) -> None:
    """Commit the session; a concurrent update becomes a ConflictError (see `conflicts`)."""
    with conflicts(conflict, also):
        db.session.commit()
