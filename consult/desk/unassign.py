"""Taking a person off their ticket assignments when they may no longer handle them (role change, move to
another 課). One small function so that the desk's departure/deactivation reassignment can call it too."""
from sqlalchemy import or_, select

from consult.audit import record
from models import Ticket, User, db

FROZEN = ("closed", "withdrawn")  # finished tickets keep who handled them


def take_off_assignments(user: User, actor: User | None, reason: str) -> list[Ticket]:
    """Clear `user` as main/backup handler of every unfinished ticket, one audit event per ticket.

    Adds to the caller's transaction (the caller commits); returns the tickets changed."""
    if user.id is None:
        return []
    tickets = list(db.session.scalars(
        select(Ticket).where(or_(Ticket.main_handler_id == user.id, Ticket.backup_handler_id == user.id),
                             Ticket.status.not_in(FROZEN)).order_by(Ticket.id)))
    for ticket in tickets:
        before, after = {}, {}
        for field in ("main_handler_id", "backup_handler_id"):
            if getattr(ticket, field) == user.id:
                before[field], after[field] = user.id, None
                setattr(ticket, field, None)
        after["reason"] = reason
        record("ticket.unassigned", "ticket", ticket.id, actor=actor, before=before, after=after)
    return tickets
