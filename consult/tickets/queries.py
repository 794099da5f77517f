"""Read-side of the requester pages: the paged list, attachments, status history."""

from sqlalchemy import func, or_, select
from sqlalchemy.orm import raiseload

from consult.errors import NotFound
from consult.paging import Page, paginate
from models import OPEN_STATUSES, STATUS_LABELS, Attachment, AuditEvent, Comment, Ticket, db
from models.querying import any_contains

from .access import visible_tickets_filter

PER_PAGE = 20


def list_tickets(user, status: str = "", scope: str = "dept", q: str = "", page: int = 1, per_page: int = PER_PAGE) -> Page:
    """The user's or their department's tickets, newest activity first; the page is clamped to the range."""
    conditions = [visible_tickets_filter(user)]
    if scope == "mine":
        conditions.append(Ticket.requester_id == user.id)
    else:
        conditions.append(Ticket.department_id == user.department_id if user.department_id is not None else Ticket.id.is_(None))
    if status == "open":
        conditions.append(Ticket.status.in_(OPEN_STATUSES))
    elif status in STATUS_LABELS:
        conditions.append(Ticket.status == status)
    words = [w for w in (q or "").split() if w][:5]
    conditions += [any_contains((Ticket.number, Ticket.title, Ticket.purpose, Ticket.problem), word) for word in words]
    total = db.session.scalar(select(func.count(Ticket.id)).where(*conditions)) or 0
    stmt = (
        select(Ticket)
        .where(*conditions)
        .options(raiseload(Ticket.category), raiseload(Ticket.backup_handler))
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
    )
    return paginate(stmt, page, per_page, total=total)


def visible_attachments(ticket: Ticket, user) -> list[Attachment]:
    """The ticket's attachments `user` may see: none from internal notes for requesters."""
    stmt = select(Attachment).where(Attachment.ticket_id == ticket.id).order_by(Attachment.id)
    if not user.is_staff:
        stmt = stmt.outerjoin(Comment, Attachment.comment_id == Comment.id).where(
            or_(Attachment.comment_id.is_(None), Comment.internal.is_(False))
        )
    return list(db.session.scalars(stmt))


def get_attachment(ticket: Ticket, attachment_id: int, user) -> Attachment:
    """An attachment of this ticket visible to `user`; NotFound if it belongs elsewhere or to an internal note."""
    stmt = select(Attachment).where(Attachment.id == attachment_id, Attachment.ticket_id == ticket.id)
    if not user.is_staff:
        stmt = stmt.outerjoin(Comment, Attachment.comment_id == Comment.id).where(
            or_(Attachment.comment_id.is_(None), Comment.internal.is_(False))
        )
    attachment = db.session.scalar(stmt)
    if attachment is None:
        raise NotFound("添付ファイルが見つかりません。")
    return attachment


def status_history(ticket: Ticket) -> list[dict]:
    """Status changes from the audit log, starting with the filing: [{at, actor, before, after}]."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "ticket", AuditEvent.object_id == ticket.id, AuditEvent.action == "ticket.status_changed")
        .order_by(AuditEvent.created_at, AuditEvent.id)
    )
    history = [{"at": ticket.created_at, "actor": ticket.requester, "before": None, "after": "new"}]
    for event in events:
        history.append({
            "at": event.created_at, "actor": event.actor,
            "before": (event.before or {}).get("status"), "after": (event.after or {}).get("status"),
        })  # fmt: skip
    return history
