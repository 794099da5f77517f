"""E-mail notifications. Each `queue_*` adds MailOutbox rows to the caller's transaction (one row per
recipient); `send_pending()` is called after commit and never raises.

When MAIL_SERVER is empty mail is off: `queue_*` add nothing (no backlog of unsendable mail builds up,
and turning mail on later does not flood people with old events) and `send_pending()` sends nothing.

Privacy: bodies carry only the ticket number, title, status and a link; a reply adds a short excerpt of
the public reply, except on tickets marked as containing personal information. Internal notes are never
mailed to requesters: `queue_public_reply` refuses them.
"""
import logging
import re
from datetime import timedelta

from flask import current_app, render_template
from sqlalchemy import select, update

from models import MailOutbox, User, db, dialects, utcnow

from . import inbox, mail

log = logging.getLogger(__name__)

SUBJECT_PREFIX = "【業務DX相談窓口】"
EXCERPT_CHARS = 200
MAX_ATTEMPTS = 12
LEASE = timedelta(minutes=10)  # a claimed row is retried after this if its sender died mid-way
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=2)


# --- building -------------------------------------------------------------------------------------

def ticket_url(ticket) -> str:
    """Absolute link to the ticket page (CONSULT_BASE_URL + /tickets/<number>)."""
    base = (current_app.config.get("CONSULT_BASE_URL") or "").rstrip("/")
    return f"{base}/tickets/{ticket.number}"


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short plain-text excerpt: whitespace collapsed, cut at `limit` characters."""
    flat = re.sub(r"\s+", " ", text or "").strip()
    return flat if len(flat) <= limit else flat[:limit].rstrip() + "…"


def _addresses(users, ticket=None) -> list[str]:
    """E-mail addresses of the active users among `users` (who may see `ticket` now), without duplicates."""
    from consult.tickets.access import can_see

    seen: list[str] = []
    for user in users:
        if user is None or not user.active or not user.email:
            continue
        if ticket is not None and not can_see(ticket, user):
            continue
        if user.email.lower() not in (s.lower() for s in seen):
            seen.append(user.email)
    return seen


def desk_addresses() -> list[str]:
    """CONSULT_DESK_EMAIL (comma-separated allowed), else every active DX staff member's address."""
    configured = current_app.config.get("CONSULT_DESK_EMAIL") or ""
    addresses = [a.strip() for a in configured.split(",") if a.strip()]
    if addresses:
        return addresses
    staff = db.session.scalars(
        select(User).where(User.role == "dx_staff", User.active.is_(True), User.email.is_not(None)).order_by(User.id)
    )
    return _addresses(staff)


def _handlers(ticket) -> list:
    """Main and backup handler (either may be None)."""
    return [ticket.main_handler, ticket.backup_handler]


def _queue(ticket, recipients, subject: str, template: str, **context) -> list[MailOutbox]:
    """Render the body and add one outbox row per recipient to the current transaction."""
    if not mail.enabled() or not recipients:
        return []
    body = render_template(f"mail/{template}.txt", ticket=ticket, url=ticket_url(ticket), **context)
    subject = (SUBJECT_PREFIX + subject)[:255]
    rows = [MailOutbox(recipient=r, subject=subject, body=body, ticket_id=ticket.id) for r in recipients]
    db.session.add_all(rows)
    return rows


def _reply_excerpt(ticket, comment) -> str | None:
    """The excerpt of a public reply, or None on tickets that contain personal information."""
    return None if ticket.contains_personal_info else excerpt(comment.body)


# --- events ---------------------------------------------------------------------------------------

def queue_new_ticket(ticket) -> None:
    """New ticket → the desk's address."""
    _queue(ticket, desk_addresses(), f"新しい相談 {ticket.number} が届きました", "new_ticket")


def queue_assigned(ticket, handlers) -> None:
    """Assignment → the newly assigned handlers."""
    inbox.add_assigned(ticket, handlers or [])
    _queue(ticket, _addresses(handlers or [], ticket), f"相談 {ticket.number} の担当になりました", "assigned")


def queue_public_reply(ticket, comment) -> None:
    """Public reply from DX staff → the requester."""
    if comment.internal:
        raise ValueError("internal notes are never mailed to requesters")
    recipients = [a for a in _addresses([ticket.requester], ticket) if a != getattr(comment.author, "email", None)]
    _queue(ticket, recipients, f"相談 {ticket.number} に回答がありました", "public_reply",
           excerpt=_reply_excerpt(ticket, comment))


def queue_status_changed(ticket, old_status: str, actor=None) -> None:
    """Status change → the requester; a change the requester's side made (取下げ, 再開, 完了) → the handlers."""
    if old_status == ticket.status:
        return
    inbox.add_status_changed(ticket, old_status, actor)
    from models import STATUS_LABELS

    if actor is not None and not actor.is_staff:
        handlers = [u for u in _handlers(ticket) if u is not None]
        recipients = _addresses(handlers, ticket) if handlers else desk_addresses()
    else:
        recipients = _addresses([ticket.requester], ticket)
    _queue(ticket, recipients, f"相談 {ticket.number} の状態が「{ticket.status_label}」になりました",
           "status_changed", old_label=STATUS_LABELS.get(old_status, old_status))


def queue_requester_reply(ticket, comment) -> None:
    """Reply from the requester → the handlers (the desk while nobody is assigned)."""
    if comment.internal:
        return
    inbox.add_requester_reply(ticket, comment)
    handlers = [u for u in _handlers(ticket) if u is not None and u.id != comment.author_id]
    recipients = _addresses(handlers, ticket) if any(_handlers(ticket)) else desk_addresses()
    _queue(ticket, recipients, f"相談 {ticket.number} に相談者から返信がありました", "requester_reply",
           excerpt=_reply_excerpt(ticket, comment))


# --- sending --------------------------------------------------------------------------------------

def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failures: 1, 2, 4 … minutes, at most 2 hours."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _claim(limit: int) -> list[int]:
    """Take up to `limit` due rows for this process (lease + attempt counted) and commit the claim.

    On PostgreSQL the candidate rows are locked with FOR UPDATE SKIP LOCKED so concurrent senders take
    different rows; on SQLite the single UPDATE statement holds the database write lock."""
    now = utcnow()
    due = (
        select(MailOutbox.id)
        .where(MailOutbox.sent_at.is_(None), MailOutbox.next_attempt_at <= now, MailOutbox.attempts < MAX_ATTEMPTS)
        .order_by(MailOutbox.id)
        .limit(limit)
    )
    due = dialects.skip_locked(due)
    stmt = (
        update(MailOutbox)
        .where(MailOutbox.id.in_(due.scalar_subquery()))
        .values(attempts=MailOutbox.attempts + 1, next_attempt_at=now + LEASE)
        .returning(MailOutbox.id)
        .execution_options(synchronize_session=False)
    )
    ids = sorted(db.session.scalars(stmt).all())
    db.session.commit()
    return ids


def _finish(row: MailOutbox, error: Exception | None) -> None:
    """Record the outcome of one try and commit it."""
    if error is None:
        row.sent_at = utcnow()
        row.last_error = None
    else:
        row.last_error = f"{type(error).__name__}: {error}"[:2000]
        row.next_attempt_at = utcnow() + backoff(row.attempts)
        level = logging.ERROR if row.attempts >= MAX_ATTEMPTS else logging.WARNING
        log.log(level, "mail %s to %s failed (attempt %s): %s", row.id, row.recipient, row.attempts, row.last_error)
    db.session.commit()


NOT_ALLOWED_NOW = "送信しませんでした: 宛先の利用者はこの相談を見られない（役割か所属が変わった）"


def _may_receive(row: MailOutbox) -> bool:
    """At send time: a mail about a ticket goes to an address of a user only while that user may see the ticket.

    Addresses that belong to no user (CONSULT_DESK_EMAIL) are the desk's and always allowed."""
    from sqlalchemy import func

    from consult.tickets.access import can_see
    from models import Ticket

    if row.ticket_id is None:
        return True
    owners = list(db.session.scalars(select(User).where(func.lower(User.email) == row.recipient.lower())))
    if not owners:
        return True
    ticket = db.session.get(Ticket, row.ticket_id)
    return ticket is not None and any(u.active and can_see(ticket, u) for u in owners)


def _skip(row: MailOutbox) -> None:
    """Mark a row handled without sending it (never retried; the reason stays in last_error)."""
    row.sent_at = utcnow()
    row.last_error = NOT_ALLOWED_NOW
    log.info("mail %s to %s not sent: the recipient may no longer see ticket %s", row.id, row.recipient, row.ticket_id)
    db.session.commit()


def send_pending(limit: int = 50) -> int:
    """Send due mails from the outbox; failures are logged and retried later. Returns mails sent."""
    try:
        if not mail.enabled():
            return 0
        ids = _claim(limit)
        if not ids:
            return 0
        rows = db.session.scalars(select(MailOutbox).where(MailOutbox.id.in_(ids)).order_by(MailOutbox.id)).all()
        return _deliver(rows)
    except Exception:  # never let mail break the caller
        log.exception("sending pending mail failed")
        try:
            db.session.rollback()
        except Exception:  # pragma: no cover - the session itself is broken
            log.exception("rollback after mail failure failed")
        return 0


def _deliver(rows: list[MailOutbox]) -> int:
    """Send the claimed rows over one SMTP session; a connection failure marks them all failed."""
    sent = 0
    try:
        conn = mail.Connection().__enter__()
    except Exception as exc:
        for row in rows:
            _finish(row, exc)
        return 0
    try:
        for row in rows:
            if not _may_receive(row):
                _skip(row)
                continue
            try:
                conn.send(row.recipient, row.subject, row.body)
            except Exception as exc:
                _finish(row, exc)
            else:
                _finish(row, None)
                sent += 1
    finally:
        conn.close()
    return sent


def pending_count() -> int:
    """Mails not yet sent (including ones still being retried)."""
    from sqlalchemy import func

    return db.session.scalar(select(func.count(MailOutbox.id)).where(MailOutbox.sent_at.is_(None))) or 0
