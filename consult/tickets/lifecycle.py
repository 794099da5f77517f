"""What happens on the ticket page: replies, 取下げ, 再開, 完了 — each one audited transaction."""
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app

from consult import audit, notify, transactions
from consult.errors import ConflictError, DomainError, NotAllowed
from models import STATUS_LABELS, Attachment, Comment, Ticket, db, utcnow

from .attachments import Upload
from .service import add_attachments
from .store import get_store
from .workflow import CONFLICT_MESSAGE, can_transition

CLOSED_FOR_REPLY = ("closed", "withdrawn")


def actor_roles(ticket: Ticket, user) -> set[str]:
    """Workflow roles of `user` on `ticket`: dx_staff for staff, requester for members of its department."""
    roles = set()
    if user.is_staff:
        roles.add("dx_staff")
    if user.department_id is not None and user.department_id == ticket.department_id:
        roles.add("requester")
    return roles


def may_transition(ticket: Ticket, target: str, user) -> bool:
    """Whether `user` may move `ticket` to `target` according to the workflow table."""
    return any(can_transition(ticket.status, target, role) for role in actor_roles(ticket, user))


def reopen_deadline(ticket: Ticket):
    """Last moment (naive UTC) a resolved ticket may be reopened, or None if it is not resolved."""
    if ticket.status != "resolved":
        return None
    resolved = ticket.resolved_at or ticket.updated_at
    return resolved + timedelta(days=int(current_app.config.get("CONSULT_REOPEN_DAYS", 14)))


def available_actions(ticket: Ticket, user) -> dict[str, bool]:
    """Which buttons the ticket page offers to `user`."""
    deadline = reopen_deadline(ticket)
    return {
        "reply": ticket.status not in CLOSED_FOR_REPLY,
        "withdraw": may_transition(ticket, "withdrawn", user),
        "close": ticket.status == "resolved" and "requester" in actor_roles(ticket, user) and may_transition(ticket, "closed", user),
        "reopen": may_transition(ticket, "in_progress", user) and ticket.status == "resolved"
        and deadline is not None and utcnow() <= deadline,
    }  # fmt: skip


def _check_version(ticket: Ticket, expected) -> None:
    """Refuse an action based on an older version of the ticket than the current one."""
    if expected in (None, ""):
        return
    if str(ticket.version) != str(expected).strip():
        raise ConflictError(CONFLICT_MESSAGE, current=ticket)


@contextmanager
def _transaction(written: list[str]):
    """Run the body and commit; a concurrent change (stale version) becomes a Japanese ConflictError.

    On any failure the transaction is rolled back and the files in `written` are removed."""
    try:
        with transactions.conflicts(CONFLICT_MESSAGE):
            yield
            db.session.commit()
    except Exception:
        db.session.rollback()
        get_store().discard(written)
        raise


def _set_status(ticket: Ticket, target: str, actor, now) -> str:
    """Change the status in the session and write the ticket.status_changed audit event; returns the old status."""
    from consult.desk.sla import on_status_change  # the SLA pause rules live with the desk's SLA

    old = ticket.status
    ticket.status = target
    ticket.updated_at = now
    on_status_change(ticket, old, target, actor, now)
    audit.record("ticket.status_changed", "ticket", ticket.id, actor, before={"status": old}, after={"status": target})
    return old


def _add_comment(ticket: Ticket, body: str, actor, now) -> Comment:
    """Add a public comment and its audit event to the session."""
    comment = Comment(ticket_id=ticket.id, author_id=actor.id, body=body, internal=False, created_at=now)
    db.session.add(comment)
    db.session.flush()
    audit.record("comment.added", "comment", comment.id, actor, after={"ticket": ticket.number, "internal": False, "body": body})
    return comment


def reply(ticket: Ticket, body: str, uploads: list[Upload], actor) -> Comment:
    """Add a public reply (with attachments); a requester's reply on 回答待ち resumes the work (対応中)."""
    if ticket.status in CLOSED_FOR_REPLY:
        raise DomainError(f"この相談は{STATUS_LABELS[ticket.status]}のため返信できません。新しく相談してください。")
    body = (body or "").strip()
    if not body:
        raise DomainError("返信の内容を入力してください。")
    now = utcnow()
    written: list[str] = []
    with _transaction(written):
        comment = _add_comment(ticket, body, actor, now)
        written.extend(add_attachments(ticket, uploads, actor, comment=comment))
        ticket.updated_at = now
        by_requester = not actor.is_staff
        if by_requester and ticket.status == "waiting" and can_transition("waiting", "in_progress", "requester"):
            _set_status(ticket, "in_progress", actor, now)
        if actor.is_staff and ticket.first_response_at is None:
            ticket.first_response_at = now
        if by_requester:
            notify.queue_requester_reply(ticket, comment)
        else:
            notify.queue_public_reply(ticket, comment)
    notify.send_pending()
    return comment


def _status_action(ticket: Ticket, target: str, actor, expected_version, reason: str, refuse: str, **changes) -> Ticket:
    """Shared body of withdraw/reopen/close: check, change, comment, audit, notify, commit."""
    _check_version(ticket, expected_version)
    if not may_transition(ticket, target, actor):
        if "requester" not in actor_roles(ticket, actor) and not actor.is_staff:
            raise NotAllowed("この操作をする権限がありません。")
        raise DomainError(refuse.format(status=STATUS_LABELS.get(ticket.status, ticket.status)))
    now = utcnow()
    with _transaction([]):
        old = _set_status(ticket, target, actor, now)
        for name, value in changes.items():
            setattr(ticket, name, now if value == "now" else value)
        reason = (reason or "").strip()
        if reason:
            _add_comment(ticket, reason, actor, now)
        notify.queue_status_changed(ticket, old, actor=actor)
    notify.send_pending()
    return ticket


def withdraw(ticket: Ticket, actor, expected_version=None, reason: str = "") -> Ticket:
    """取下げ: the requester's department withdraws an open ticket."""
    return _status_action(
        ticket, "withdrawn", actor, expected_version, f"取下げの理由：{reason.strip()}" if (reason or "").strip() else "",
        "この相談は「{status}」のため取り下げできません。", withdrawn_at="now",
    )  # fmt: skip


def reopen(ticket: Ticket, actor, expected_version=None, reason: str = "") -> Ticket:
    """再開: back to 対応中 within CONSULT_REOPEN_DAYS calendar days of the resolution."""
    deadline = reopen_deadline(ticket)
    if ticket.status == "resolved" and deadline is not None and utcnow() > deadline:
        days = current_app.config.get("CONSULT_REOPEN_DAYS", 14)
        raise DomainError(f"解決から{days}日を過ぎているため再開できません。お手数ですが新しく相談してください。")
    return _status_action(
        ticket, "in_progress", actor, expected_version, f"再開の理由：{reason.strip()}" if (reason or "").strip() else "",
        "この相談は「{status}」のため再開できません。", resolved_at=None,
    )  # fmt: skip


def confirm_close(ticket: Ticket, actor, expected_version=None, reason: str = "") -> Ticket:
    """完了: the requester confirms the resolution and the ticket is closed."""
    if "requester" not in actor_roles(ticket, actor) and not actor.is_staff:
        raise NotAllowed("この操作をする権限がありません。")
    return _status_action(
        ticket, "closed", actor, expected_version, reason, "この相談は「{status}」のため完了にできません。", closed_at="now"
    )


def record_download(ticket: Ticket, attachment: Attachment, actor) -> None:
    """Write the attachment.downloaded audit event."""
    audit.record("attachment.downloaded", "attachment", attachment.id, actor, after={
        "ticket": ticket.number, "name": attachment.original_name,
    })  # fmt: skip
    db.session.commit()
