"""What happens on the ticket page: replies, 取下げ, 再開, 完了 — each one audited transaction."""
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app

from consult import audit, notify, transactions
from consult.errors import ConflictError, DomainError, NotAllowed
from models import STATUS_LABELS, Attachment, Comment, Ticket, db, utcnow

from . import transitions
from .attachments import Upload
from .service import add_attachments
from .store import get_store
from .transitions import CLOSED_FOR_REPLY, allowed, roles_of
from .workflow import CONFLICT_MESSAGE


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
        "withdraw": allowed(ticket, "withdrawn", user),
        "close": ticket.status == "resolved" and "requester" in roles_of(ticket, user) and allowed(ticket, "closed", user),
        "reopen": allowed(ticket, "in_progress", user) and ticket.status == "resolved"
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


def reply(ticket: Ticket, body: str, uploads: list[Upload], actor) -> Comment:
    """Add a public reply (with attachments); a requester's reply on 回答待ち resumes the work (対応中)."""
    if ticket.status in CLOSED_FOR_REPLY:
        raise DomainError(f"この相談は{STATUS_LABELS[ticket.status]}のため返信できません。新しく相談してください。")
    body = (body or "").strip()
    if not body:
        raise DomainError("返信の内容を入力してください。")
    written: list[str] = []
    with _transaction(written):
        comment = transitions.add_message(ticket, body, actor)
        written.extend(add_attachments(ticket, uploads, actor, comment=comment))
    notify.send_pending()
    return comment


def _status_action(ticket: Ticket, target: str, actor, expected_version, reason: str, refuse: str) -> Ticket:
    """Shared body of withdraw/reopen/close: check, change, comment, audit, notify, commit."""
    _check_version(ticket, expected_version)
    if not allowed(ticket, target, actor):
        if "requester" not in roles_of(ticket, actor) and not actor.is_staff:
            raise NotAllowed("この操作をする権限がありません。")
        raise DomainError(refuse.format(status=STATUS_LABELS.get(ticket.status, ticket.status)))
    with _transaction([]):
        transitions.apply(ticket, target, actor, reason=(reason or "").strip())
    notify.send_pending()
    return ticket


def withdraw(ticket: Ticket, actor, expected_version=None, reason: str = "") -> Ticket:
    """取下げ: the requester's department withdraws an open ticket."""
    return _status_action(
        ticket, "withdrawn", actor, expected_version, f"取下げの理由：{reason.strip()}" if (reason or "").strip() else "",
        "この相談は「{status}」のため取り下げできません。",
    )  # fmt: skip


def reopen(ticket: Ticket, actor, expected_version=None, reason: str = "") -> Ticket:
    """再開: back to 対応中 within CONSULT_REOPEN_DAYS calendar days of the resolution."""
    deadline = reopen_deadline(ticket)
    if ticket.status == "resolved" and deadline is not None and utcnow() > deadline:
        days = current_app.config.get("CONSULT_REOPEN_DAYS", 14)
        raise DomainError(f"解決から{days}日を過ぎているため再開できません。お手数ですが新しく相談してください。")
    return _status_action(
        ticket, "in_progress", actor, expected_version, f"再開の理由：{reason.strip()}" if (reason or "").strip() else "",
        "この相談は「{status}」のため再開できません。",
    )  # fmt: skip


def confirm_close(ticket: Ticket, actor, expected_version=None, reason: str = "") -> Ticket:
    """完了: the requester confirms the resolution and the ticket is closed."""
    if "requester" not in roles_of(ticket, actor) and not actor.is_staff:
        raise NotAllowed("この操作をする権限がありません。")
    return _status_action(
        ticket, "closed", actor, expected_version, reason, "この相談は「{status}」のため完了にできません。"
    )


def record_download(ticket: Ticket, attachment: Attachment, actor) -> None:
    """Write the attachment.downloaded audit event."""
    audit.record("attachment.downloaded", "attachment", attachment.id, actor, after={
        "ticket": ticket.number, "name": attachment.original_name,
    })  # fmt: skip
    db.session.commit()
