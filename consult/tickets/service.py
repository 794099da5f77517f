"""Intake: filing a ticket with its attachments, and the server-side draft of the intake form."""
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from consult import audit, notify
from consult.businessdays import due_date
from consult.errors import DomainError
from consult.textfilter import xml_safe
from models import Attachment, Category, Ticket, TicketDraft, db, utcnow

from .attachments import Upload
from .numbering import next_number
from .store import get_store

# The requester's urgency sets the initial priority (and so the SLA); the desk may change it at triage.
URGENCY_PRIORITY = {"low": "low", "medium": "normal", "high": "high"}
DRAFT_FIELDS = {
    "title": 200, "purpose": 4000, "current_process": 4000, "problem": 4000, "desired_state": 4000,
    "frequency": 20, "frequency_other": 80, "hours_per_month": 20, "urgency": 10, "desired_timing": 100,
    "contains_personal_info": 5, "category": 20,
}  # fmt: skip
TICKET_AUDIT_FIELDS = (
    "number", "title", "department_id", "requester_id", "purpose", "current_process", "problem", "desired_state",
    "frequency", "hours_per_month", "urgency", "desired_timing", "contains_personal_info", "category_id",
    "priority", "status", "first_response_due", "resolution_due",
)  # fmt: skip


@dataclass
class Intake:
    """What the requester typed into 相談する, already shaped by the form."""

    title: str
    purpose: str
    current_process: str
    problem: str
    desired_state: str = ""
    frequency: str = ""
    hours_per_month: Decimal | None = None
    urgency: str = "medium"
    desired_timing: str = ""
    contains_personal_info: bool = False
    category_id: int | None = None
    intake_token: str | None = None


def active_categories() -> list[Category]:
    """Categories offered in the intake form."""
    return list(db.session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.sort_order, Category.name)))


STORAGE_FAILED_MESSAGE = ("添付ファイルを保存できなかったため、相談を登録できませんでした（入力内容は画面に残っています）。"
                          "時間をおいてもう一度送信するか、DX推進担当にお知らせください。")


class StorageFailed(DomainError):
    """The attachment store refused the write (read-only, permissions, I/O error …): nothing was saved."""

    status = 503


def _store(store, upload: Upload) -> str:
    """Write one file through the store; any OS-level write failure becomes the Japanese storage message."""
    try:
        return store.save(upload)
    except OSError as exc:  # ENOSPC/EDQUOT arrive as StorageFull (a DomainError) from the store itself
        current_app.logger.error("attachment store write failed: %s", exc)
        raise StorageFailed(STORAGE_FAILED_MESSAGE) from exc


def add_attachments(ticket: Ticket, uploads: list[Upload], actor, comment=None) -> list[str]:
    """Write the files and add their rows (and audit events) to the session; returns the stored names."""
    written: list[str] = []
    store = get_store()
    try:
        for upload in uploads:
            stored = _store(store, upload)
            written.append(stored)
            attachment = Attachment(
                ticket=ticket, comment_id=comment.id if comment is not None else None, original_name=upload.name,
                stored_name=stored, content_type=upload.content_type, size=upload.size, sha256=upload.sha256,
                uploaded_by_id=actor.id, created_at=utcnow(),
            )  # fmt: skip
            db.session.add(attachment)
            db.session.flush()
            audit.record("attachment.added", "attachment", attachment.id, actor, after={
                "ticket": ticket.number, "comment_id": attachment.comment_id, "name": upload.name,
                "size": upload.size, "sha256": attachment.sha256,
            })  # fmt: skip
    except Exception:
        store.discard(written)
        raise
    return written


def _sla_due(created, priority: str):
    """(first response due, resolution due) business-day dates for a priority."""
    sla = current_app.config["CONSULT_SLA"]
    first, resolve = sla.get(priority) or sla["normal"]
    return due_date(created, first), due_date(created, resolve)


def file_ticket(intake: Intake, uploads: list[Upload], actor, on_behalf_of=None, channel: str = "web") -> Ticket:
    """File a new ticket for the actor's department, with attachments, audit and notification; one transaction.

    DX staff may file for a named requester (`on_behalf_of`, channel 電話/対面/メール/画面): the ticket is the
    requester's (their department, their 自分の相談) and records who filed it."""
    if on_behalf_of is not None:
        _check_on_behalf(actor, on_behalf_of, channel)
        actor, filer = on_behalf_of, actor
    else:
        filer, channel = None, "web"
    if actor.department_id is None:
        raise DomainError("所属が登録されていないため相談を登録できません。管理者に所属の登録を依頼してください。")
    if intake.intake_token:
        existing = db.session.scalar(
            select(Ticket).where(Ticket.intake_token == intake.intake_token, Ticket.requester_id == actor.id)
        )
        if existing is not None:  # the same form sent twice (double click, reload): no second ticket
            return existing
    if intake.category_id is not None and db.session.get(Category, intake.category_id) is None:
        raise DomainError("選択した分類が見つかりません。もう一度選択してください。")
    now = utcnow()
    priority = URGENCY_PRIORITY.get(intake.urgency, "normal")
    first_due, resolution_due = _sla_due(now, priority)
    written: list[str] = []
    try:
        ticket = Ticket(
            number=next_number(now), title=intake.title.strip(), department_id=actor.department_id,
            requester_id=actor.id, purpose=intake.purpose.strip(), current_process=intake.current_process.strip(),
            problem=intake.problem.strip(), desired_state=(intake.desired_state or "").strip(),
            frequency=intake.frequency, hours_per_month=float(intake.hours_per_month) if intake.hours_per_month is not None else None,
            urgency=intake.urgency, desired_timing=(intake.desired_timing or "").strip(),
            contains_personal_info=intake.contains_personal_info, category_id=intake.category_id,
            priority=priority, status="new", first_response_due=first_due, resolution_due=resolution_due,
            created_at=now, updated_at=now, intake_token=intake.intake_token or None,
            channel=channel, filed_by_id=filer.id if filer is not None else None,
        )  # fmt: skip
        db.session.add(ticket)
        db.session.flush()
        after = audit.snapshot(ticket, TICKET_AUDIT_FIELDS)
        if filer is not None:
            after.update(channel=channel, filed_by=filer.login)
        audit.record("ticket.created", "ticket", ticket.id, filer or actor, after=after)
        written = add_attachments(ticket, uploads, filer or actor)
        draft = db.session.get(TicketDraft, actor.id) if filer is None else None
        if draft is not None:
            db.session.delete(draft)  # the draft is a scratch pad, not a record
        notify.queue_new_ticket(ticket)
        db.session.commit()
    except Exception:
        db.session.rollback()
        get_store().discard(written)
        raise
    notify.send_pending()
    return ticket


def _check_on_behalf(actor, requester, channel: str) -> None:
    """Only active DX staff file for someone else, for an active requester with a department, via a known channel."""
    from models import CHANNEL_LABELS

    if not actor.is_staff or not actor.active:
        raise DomainError("ほかの人の相談を登録できるのはDX担当職員だけです。")
    if requester is None or not requester.active or requester.role != "requester" or requester.department_id is None:
        raise DomainError("相談者には、所属のある有効な職員を選んでください。")
    if channel not in CHANNEL_LABELS:
        raise DomainError("受付方法（画面・電話・対面・メール）を選んでください。")


def clean_draft(data) -> dict:
    """Keep only the intake fields, as strings, cut to their maximum length."""
    if not isinstance(data, dict):
        raise DomainError("下書きの形式が正しくありません。")
    clean = {}
    for key, limit in DRAFT_FIELDS.items():
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise DomainError("下書きの形式が正しくありません。")
        clean[key] = xml_safe(str(value))[:limit]  # no lone surrogate (unstorable), nothing XML forbids
    return clean


def save_draft(user, data) -> TicketDraft:
    """Store (replace) the user's one draft of the intake form."""
    clean = clean_draft(data)
    for attempt in range(2):
        draft = db.session.get(TicketDraft, user.id)
        if draft is None:
            draft = TicketDraft(user_id=user.id)
            db.session.add(draft)
        draft.data = clean
        draft.updated_at = utcnow()
        try:
            db.session.commit()
            return draft
        except IntegrityError:  # two autosaves created the first draft at once: the other one won, update it
            db.session.rollback()
            if attempt:
                raise
    return draft


def get_draft(user) -> TicketDraft | None:
    """The user's saved draft, if any."""
    return db.session.get(TicketDraft, user.id)


def discard_draft(user) -> bool:
    """Throw the user's draft away; True if there was one."""
    draft = db.session.get(TicketDraft, user.id)
    if draft is None:
        return False
    db.session.delete(draft)
    db.session.commit()
    return True
