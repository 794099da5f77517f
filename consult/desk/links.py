"""関連する相談 and merging a duplicate: links shown on both tickets (only what the viewer may see), and a merge
that moves the conversation and attachments, redirects the old number, tells both requesters and is audited."""
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from consult import inbox, notify
from consult.audit import record
from consult.errors import DomainError, NotAllowed
from consult.tickets.access import visible_tickets_filter
from models import Attachment, Comment, Ticket, TicketLink, db, utcnow


def _other(number: str, ticket: Ticket) -> Ticket:
    """The ticket named by `number` (not `ticket` itself), or a Japanese DomainError."""
    number = (number or "").strip().upper()
    other = db.session.scalar(select(Ticket).where(Ticket.number == number)) if number and len(number) <= 20 else None
    if other is None:
        raise DomainError(f"相談番号「{number}」の相談は見つかりません。")
    if other.id == ticket.id:
        raise DomainError("同じ相談は指定できません。")
    return other


def related(ticket: Ticket, user) -> list[Ticket]:
    """Tickets linked to `ticket` that `user` may see (a requester never sees another 課's title), by number."""
    ids = select(TicketLink.other_id).where(TicketLink.ticket_id == ticket.id).union(
        select(TicketLink.ticket_id).where(TicketLink.other_id == ticket.id))
    stmt = select(Ticket).where(Ticket.id.in_(ids), visible_tickets_filter(user)).order_by(Ticket.number)
    return list(db.session.scalars(stmt))


def link(ticket: Ticket, other_number: str, actor) -> Ticket:
    """Link two tickets (DX staff); audited on both; linking twice changes nothing."""
    if not actor.is_staff:
        raise NotAllowed("関連付けはDX担当職員だけができます。")
    other = _other(other_number, ticket)
    low, high = sorted((ticket.id, other.id))
    if db.session.scalar(select(TicketLink.id).where(TicketLink.ticket_id == low, TicketLink.other_id == high)):
        return other
    db.session.add(TicketLink(ticket_id=low, other_id=high, created_by_id=actor.id, created_at=utcnow()))
    record("ticket.linked", "ticket", ticket.id, actor, after={"related": other.number})
    record("ticket.linked", "ticket", other.id, actor, after={"related": ticket.number})
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
    return other


def merge(source: Ticket, target_number: str, actor) -> Ticket:
    """Merge the duplicate `source` into the target: its conversation and attachments move, it becomes 完了 and
    its number redirects; both requesters are told (mail and お知らせ); audited on both. Same department only."""
    if not actor.is_staff:
        raise NotAllowed("統合はDX担当職員だけができます。")
    target = _other(target_number, source)
    if source.merged_into_id or target.merged_into_id:
        raise DomainError("すでに統合された相談は、統合元にも統合先にもできません。")
    if source.department_id != target.department_id:
        raise DomainError("所属の違う相談は統合できません（やりとりが別の所属に見えてしまうため）。「関連する相談」として関連付けてください。")
    if target.status in ("closed", "withdrawn"):
        raise DomainError(f"統合先の相談は「{target.status_label}」のため統合できません。")
    if source.status == "withdrawn":
        raise DomainError("取り下げられた相談は統合できません。")
    now = utcnow()
    moved_comments = db.session.execute(update(Comment).where(Comment.ticket_id == source.id)
                                        .values(ticket_id=target.id)).rowcount
    moved_files = db.session.execute(update(Attachment).where(Attachment.ticket_id == source.id)
                                     .values(ticket_id=target.id)).rowcount
    old_status = source.status
    source.merged_into_id, source.status, source.closed_at, source.updated_at = target.id, "closed", now, now
    target.updated_at = now
    note = Comment(ticket_id=target.id, author_id=actor.id, internal=False, created_at=now,
                   body=f"重複していた相談 {source.number}「{source.title}」をこの相談に統合しました。以後のやりとりはこの相談で行います。")
    db.session.add(note)
    low, high = sorted((source.id, target.id))
    if not db.session.scalar(select(TicketLink.id).where(TicketLink.ticket_id == low, TicketLink.other_id == high)):
        db.session.add(TicketLink(ticket_id=low, other_id=high, created_by_id=actor.id, created_at=now))
    record("ticket.merged", "ticket", source.id, actor, before={"status": old_status},
           after={"status": "closed", "merged_into": target.number, "comments": moved_comments, "attachments": moved_files})
    record("ticket.merged_from", "ticket", target.id, actor, after={"merged": source.number})
    text = f"{source.number}「{source.title}」は {target.number}「{target.title}」に統合されました"
    for t in (source, target):
        inbox._add([t.requester], "merged", t, text, actor)
        notify._queue(t, notify._addresses([t.requester]), f"相談 {source.number} を {target.number} に統合しました",
                      "merged", source=source, target=target)
    db.session.commit()
    notify.send_pending()
    return target


def merged_target(ticket: Ticket) -> Ticket | None:
    """The ticket a merged duplicate now lives in."""
    return db.session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None

