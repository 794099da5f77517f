"""What disposal (廃棄) removes from the database: the conversation, attachments, personal fields and typed text.

Kept: the ticket row as a tombstone (番号, 分類, 所属, dates, status, handlers, report figures), the audit events
(type, actor, time, ids and field names; their typed values are replaced), and the rows that count things (mails,
お知らせ, the 満足度 rating) with their text replaced. The keyword index of the 受付一覧 follows the ticket row by
triggers (SQLite FTS5 `tickets_chars`, PostgreSQL `ticket_keywords`), so the old title and texts are no longer
found once the row is changed.
"""
from sqlalchemy import delete, or_, select, update

from models import (
    Attachment,
    AttachmentBlob,
    AuditEvent,
    Comment,
    MailOutbox,
    Notification,
    RecordRetention,
    Ticket,
    TicketSatisfaction,
    db,
    utcnow,
)

TOMBSTONE_TITLE = "（保存期間満了により廃棄済み）"
REDACTED = "（廃棄により削除）"
# free-text fields of the ticket that may hold personal information; emptied on disposal
CLEARED_FIELDS = ("purpose", "current_process", "problem", "desired_state", "frequency", "desired_timing",
                  "root_cause", "resolution_summary")
# audit payload keys whose text values are codes, numbers or dates, not typed text: kept as they are
KEPT_KEYS = frozenset({
    "number", "ticket", "related", "merged", "merged_into", "status", "priority", "urgency", "channel",
    "resolution_type", "category", "department", "main_handler", "backup_handler", "state", "action", "package",
    "content_type", "sha256",
})
KEPT_SUFFIXES = ("_id", "_at", "_on", "_due", "_date", "_since")
MAIL_NOT_SENT = "保存期間満了により廃棄（送信取りやめ）"


def _kept(key: str) -> bool:
    """Whether a payload value under `key` is kept as it is."""
    return key in KEPT_KEYS or key.endswith(KEPT_SUFFIXES)


def redact_payload(value, key: str = ""):
    """`value` with every typed text replaced by REDACTED (keys, numbers, flags, ids, codes and dates stay)."""
    if isinstance(value, dict):
        return {k: redact_payload(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_payload(v, key) for v in value]
    if isinstance(value, str) and value and not _kept(key):
        return REDACTED
    return value


def _redact_audit(ticket_id: int, comment_ids: list[int], attachment_ids: list[int]) -> int:
    """Replace the typed text in the payloads of the ticket's (and its comments' and attachments') audit events."""
    conditions = [(AuditEvent.object_type == "ticket") & (AuditEvent.object_id == ticket_id)]
    if comment_ids:
        conditions.append((AuditEvent.object_type == "comment") & AuditEvent.object_id.in_(comment_ids))
    if attachment_ids:
        conditions.append((AuditEvent.object_type == "attachment") & AuditEvent.object_id.in_(attachment_ids))
    changed = 0
    for event in db.session.scalars(select(AuditEvent).where(or_(*conditions))):
        before, after = redact_payload(event.before), redact_payload(event.after)
        if before != event.before or after != event.after:
            event.before, event.after = before, after  # new objects: the JSON columns see the change
            changed += 1
    return changed


def _redact_mails(ticket_id: int) -> int:
    """Blank recipient, subject and body of the ticket's mails; unsent ones are never sent."""
    from consult.notify import MAX_ATTEMPTS

    result = db.session.execute(update(MailOutbox).where(MailOutbox.ticket_id == ticket_id)
                                .values(recipient="", subject=REDACTED, body=REDACTED))
    db.session.execute(update(MailOutbox).where(MailOutbox.ticket_id == ticket_id, MailOutbox.sent_at.is_(None))
                       .values(attempts=MAX_ATTEMPTS, last_error=MAIL_NOT_SENT))
    return result.rowcount or 0


def _redact_notifications(ticket: Ticket) -> int:
    """お知らせ quoting the title say only the number and that it was disposed (and count as read)."""
    text = f"{ticket.number}{TOMBSTONE_TITLE}"
    result = db.session.execute(update(Notification).where(Notification.ticket_id == ticket.id).values(text=text))
    db.session.execute(update(Notification).where(Notification.ticket_id == ticket.id, Notification.read_at.is_(None))
                       .values(read_at=utcnow()))
    return result.rowcount or 0


def _scrub_mentions(ticket: Ticket, title: str) -> int:
    """Mails and お知らせ of other tickets or of none (the daily overdue digest, a merge notice) that name this
    ticket's number keep the number but lose its typed title."""
    if not title:
        return 0
    pattern = f"%{ticket.number}%"
    changed = 0
    for mail in db.session.scalars(select(MailOutbox).where(
            or_(MailOutbox.ticket_id.is_(None), MailOutbox.ticket_id != ticket.id),
            or_(MailOutbox.body.like(pattern), MailOutbox.subject.like(pattern)))):
        if title in mail.body or title in mail.subject:
            mail.body, mail.subject = mail.body.replace(title, TOMBSTONE_TITLE), mail.subject.replace(title, TOMBSTONE_TITLE)
            changed += 1
    for notice in db.session.scalars(select(Notification).where(
            Notification.ticket_id != ticket.id, Notification.text.like(pattern))):
        if title in notice.text:
            notice.text = notice.text.replace(title, TOMBSTONE_TITLE)[:300]
            changed += 1
    return changed


def erase(ticket: Ticket) -> tuple[list[str], dict]:
    """Remove and redact everything personal of `ticket` in the current transaction.

    Returns the stored attachment names (their files are removed after the commit) and what was redacted, for the
    audit event of the disposal."""
    comment_ids = list(db.session.scalars(select(Comment.id).where(Comment.ticket_id == ticket.id)))
    attachments = db.session.execute(select(Attachment.id, Attachment.stored_name)
                                     .where(Attachment.ticket_id == ticket.id)).all()
    stored = [a.stored_name for a in attachments]
    redacted = {
        "audit_events": _redact_audit(ticket.id, comment_ids, [a.id for a in attachments]),
        "mails": _redact_mails(ticket.id),
        "notifications": _redact_notifications(ticket),
        "mentions_elsewhere": _scrub_mentions(ticket, ticket.title),
        "satisfaction": db.session.execute(update(TicketSatisfaction).where(TicketSatisfaction.ticket_id == ticket.id)
                                           .values(comment="", user_id=None)).rowcount or 0,
        "comments": len(comment_ids),
        "attachments": len(stored),
        "fields": ["title", "requester", "filed_by", *CLEARED_FIELDS, "extension_reason", "hold_reason"],
    }
    retention = db.session.get(RecordRetention, ticket.id)
    if retention is not None:  # 延長・保留 reasons are typed text too
        retention.extension_reason = retention.hold_reason = ""
    if stored:
        db.session.execute(delete(AttachmentBlob).where(AttachmentBlob.stored_name.in_(stored)))
    db.session.execute(delete(Attachment).where(Attachment.ticket_id == ticket.id))
    db.session.execute(delete(Comment).where(Comment.ticket_id == ticket.id))
    ticket.title = TOMBSTONE_TITLE
    for name in CLEARED_FIELDS:
        setattr(ticket, name, "")
    ticket.requester, ticket.requester_id = None, None
    ticket.filed_by_id = None
    ticket.intake_token = None
    return stored, redacted
