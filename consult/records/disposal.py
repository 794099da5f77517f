"""Disposal (廃棄) of a record: conversation, attachments, personal fields and typed text go; a tombstone stays.

The tombstone is the ticket row itself (number, category, department, dates, status, figures used by the
reports; the title replaced, no requester) plus a DisposalEntry (the 移管・廃棄簿 line, whose 名称 is neutral).
What is removed or redacted is in erase.py. Every disposal is also appended to a ledger file outside
the database (CONSULT_RECORDS_DIR/disposal-ledger.jsonl), so that a restore of an older backup can re-apply it.
"""
import json
import os
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from consult import audit
from consult.businessdays import to_jst_date
from consult.errors import DomainError
from models import DisposalEntry, RecordRetention, Ticket, User, db, utcnow

from . import rules, schedule
from .erase import erase
from .store import remove_attachment_files

DISPOSED_LABEL = "保存期間満了により廃棄済み"
LEDGER_FILE = "disposal-ledger.jsonl"


def records_dir() -> Path:
    """Folder of the disposal ledger file and transfer packages."""
    config = current_app.config
    path = Path(config.get("CONSULT_RECORDS_DIR") or Path(config["CONSULT_INSTANCE"]) / "records")
    path.mkdir(parents=True, exist_ok=True)
    return path


def ledger_path() -> Path:
    """The append-only disposal ledger file (one JSON object per line)."""
    return records_dir() / LEDGER_FILE


def tombstone(ticket_id: int) -> DisposalEntry | None:
    """The disposal entry of a ticket, or None when it was not disposed."""
    return db.session.scalar(select(DisposalEntry).where(DisposalEntry.ticket_id == ticket_id))


def _name(user_id) -> str:
    """Display name of a user id ('' for none)."""
    user = db.session.get(User, user_id) if user_id else None
    return user.name if user else ""


def record_name(category_name: str) -> str:
    """The 名称 of a disposed record in the 移管・廃棄簿: neutral, never the typed title."""
    return f"業務DX相談（{category_name or '未分類'}）"


def _entry(ticket: Ticket, ret: RecordRetention, package: tuple[str, str] | None) -> DisposalEntry:
    """The 移管・廃棄簿 line of a ticket about to be disposed."""
    years, _ = rules.rule_for(rules.rule_map(), ticket.category_id)
    completed = schedule.completed_on(ticket.status, ticket.closed_at, ticket.withdrawn_at)
    category_name = ticket.category.name if ticket.category else "未分類"
    return DisposalEntry(
        ticket_id=ticket.id, number=ticket.number, title=record_name(category_name), category_name=category_name,
        department_name=ticket.department.full_name,
        created_on=to_jst_date(ticket.created_at), completed_on=completed, retention_years=years,
        expires_on=schedule.expires_on(completed, years, ret.extension_years or 0), action=ret.action or "dispose",
        proposed_by_name=_name(ret.proposed_by_id), approved_by_name=_name(ret.approved_by_id), approved_at=ret.approved_at,
        package_name=package[0] if package else None, package_sha256=package[1] if package else None,
        disposed_at=utcnow(),
    )


def dispose(ticket_id: int, package: tuple[str, str] | None = None, actor=None) -> DisposalEntry:
    """Dispose of an approved (or transferred and confirmed) record; files are removed after the commit."""
    ret = db.session.get(RecordRetention, ticket_id, populate_existing=True)
    if ret is None or ret.state not in ("approved", "confirmed"):
        raise DomainError("承認されていない記録は廃棄できません。")
    if ret.held:
        raise DomainError("保留中の記録は廃棄できません。")
    ticket = db.session.get(Ticket, ticket_id)
    entry = _entry(ticket, ret, package)
    stored, redacted = erase(ticket)
    ret.state, ret.updated_at = "disposed", utcnow()
    db.session.add(entry)
    db.session.flush()
    audit.record("record.redacted", "ticket", ticket.id, actor, after=redacted)
    audit.record("record.disposed", "ticket", ticket.id, actor, after=ledger_line(entry))
    db.session.commit()
    remove_attachment_files(stored)
    append_ledger(entry)
    return entry


def ledger_line(entry: DisposalEntry) -> dict:
    """The JSON form of a 移管・廃棄簿 line (ledger file, audit event)."""
    return {
        "number": entry.number, "title": entry.title, "category": entry.category_name,
        "department": entry.department_name, "created_on": entry.created_on.isoformat(),
        "completed_on": entry.completed_on.isoformat() if entry.completed_on else None,
        "retention_years": entry.retention_years,
        "expires_on": entry.expires_on.isoformat() if entry.expires_on else None, "action": entry.action,
        "proposed_by": entry.proposed_by_name, "approved_by": entry.approved_by_name,
        "approved_at": entry.approved_at.isoformat() if entry.approved_at else None,
        "package_name": entry.package_name, "package_sha256": entry.package_sha256,
        "disposed_at": entry.disposed_at.isoformat(),
    }


def append_ledger(entry: DisposalEntry) -> None:
    """Append the disposal to the ledger file and flush it to disk."""
    with open(ledger_path(), "a", encoding="utf-8") as fh:
        fh.write(json.dumps(ledger_line(entry), ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
