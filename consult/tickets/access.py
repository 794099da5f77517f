"""Who sees which tickets and comments: the one helper every area uses."""
from sqlalchemy import ColumnElement, false, select, true

from consult.errors import NotFound
from models import Comment, Ticket, db

#: Who may file a consultation (and use the pages that help while filing).
FILER_ROLES = ("requester", "dx_staff")

NOT_FOUND_MESSAGE = "相談が見つかりません。番号が正しいか、表示する権限があるかを確認してください。"


def visible_tickets_filter(user) -> ColumnElement[bool]:
    """SQL condition for the tickets `user` may see: staff all, requesters their department's."""
    if getattr(user, "is_staff", False):
        return true()
    if user is None or getattr(user, "department_id", None) is None:
        return false()
    return Ticket.department_id == user.department_id


def can_see(ticket: Ticket, user) -> bool:
    """Whether `user` may see `ticket` (same rule as visible_tickets_filter)."""
    if getattr(user, "is_staff", False):
        return True
    return user is not None and user.department_id is not None and ticket.department_id == user.department_id


def get_visible_ticket(number: str, user, for_update: bool = False) -> Ticket:
    """The ticket with `number` if `user` may see it; NotFound (404) otherwise, also for other departments."""
    if not number or len(number) > 20 or "\x00" in number:  # NUL: PostgreSQL refuses it in a string
        raise NotFound(NOT_FOUND_MESSAGE)
    stmt = select(Ticket).where(Ticket.number == number, visible_tickets_filter(user))
    if for_update:
        stmt = stmt.execution_options(populate_existing=True)
    ticket = db.session.scalar(stmt)
    if ticket is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return ticket


def visible_comments(ticket: Ticket, user) -> list[Comment]:
    """The ticket's comments in order; internal notes only for staff."""
    stmt = select(Comment).where(Comment.ticket_id == ticket.id).order_by(Comment.created_at, Comment.id)
    if not getattr(user, "is_staff", False):
        stmt = stmt.where(Comment.internal.is_(False))
    return list(db.session.scalars(stmt))
