"""After a restore of an older backup: dispose again what the disposal ledger file says was disposed."""
import json
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from consult import audit
from consult.errors import DomainError
from models import DisposalEntry, RecordRetention, Ticket, db, utcnow

from . import disposal


def _date(value):
    """ISO date or None."""
    return date.fromisoformat(value) if value else None


def _datetime(value):
    """ISO datetime or None."""
    return datetime.fromisoformat(value) if value else None


def read_ledger(path: Path) -> list[dict]:
    """Lines of a ledger file; a malformed line is a DomainError naming the file and line."""
    if not path.is_file():
        return []
    lines = []
    with open(path, encoding="utf-8") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
                line["number"]  # noqa: B018  (required)
            except (ValueError, KeyError, TypeError) as exc:
                raise DomainError(f"{path}:{n}: 廃棄簿の行を読めません") from exc
            lines.append(line)
    return lines


def reapply(path: Path | None = None) -> list[str]:
    """Dispose again every record in the ledger file that the database shows as not disposed; returns their numbers."""
    path = path or disposal.ledger_path()
    done = []
    for line in read_ledger(path):
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == line["number"]))
        if ticket is None or disposal.tombstone(ticket.id) is not None:
            continue
        entry = DisposalEntry(
            ticket_id=ticket.id, number=line["number"], title=disposal.record_name(line.get("category") or ""),
            category_name=line.get("category") or "", department_name=line.get("department") or "",
            created_on=_date(line.get("created_on")) or ticket.created_at.date(), completed_on=_date(line.get("completed_on")),
            retention_years=line.get("retention_years"), expires_on=_date(line.get("expires_on")),
            action=line.get("action") or "dispose", proposed_by_name=line.get("proposed_by") or "",
            approved_by_name=line.get("approved_by") or "", approved_at=_datetime(line.get("approved_at")),
            package_name=line.get("package_name"), package_sha256=line.get("package_sha256"),
            disposed_at=_datetime(line.get("disposed_at")) or utcnow(),
        )
        stored, redacted = disposal.erase(ticket)
        ret = db.session.get(RecordRetention, ticket.id) or RecordRetention(ticket_id=ticket.id, extension_years=0, held=False)
        db.session.add(ret)
        ret.state, ret.action, ret.updated_at = "disposed", entry.action, utcnow()
        db.session.add(entry)
        db.session.flush()
        audit.record("record.redacted", "ticket", ticket.id, None, after=redacted)
        audit.record("record.disposal_reapplied", "ticket", ticket.id, None, after=disposal.ledger_line(entry))
        db.session.commit()
        disposal.remove_attachment_files(stored)
        done.append(ticket.number)
    return done
