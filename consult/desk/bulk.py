"""Bulk actions in 受付一覧: assign, priority or status for the selected tickets, each its own audited transaction.

A ticket changed by someone else since the list was shown (version) is reported and left alone; the others apply."""
from dataclasses import dataclass, field

from sqlalchemy import select

from consult.errors import ConflictError, DomainError
from models import PRIORITY_LABELS, STATUS_LABELS, Ticket, db

from . import service

ACTIONS = {"assign": "主担当を割り当てる", "priority": "優先度を変える", "status": "状態を変える"}
MAX_TICKETS = 200


@dataclass
class BulkResult:
    """Numbers applied, unchanged, in conflict (changed meanwhile) and refused (with the reason)."""

    applied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def parse_selection(values: list[str]) -> list[tuple[int, int | None]]:
    """"id:version" checkbox values → (id, version); malformed ones are dropped."""
    out = []
    for value in values[:MAX_TICKETS]:
        ident, _, version = (value or "").partition(":")
        try:
            out.append((int(ident), int(version) if version else None))
        except ValueError:
            continue
    return out


def _one(ticket: Ticket, action: str, value, version: int | None, actor) -> bool:
    """Apply the action to one ticket with the existing single-ticket services (their audit, mail and rules)."""
    if action == "assign":
        backup = ticket.backup_handler_id if ticket.backup_handler_id != value else None
        return service.assign(ticket, value, backup, version, actor)
    if action == "priority":
        return service.triage(ticket, ticket.category_id, value, version, actor)
    if ticket.status == value:
        if version != ticket.version:
            raise ConflictError(service.CONFLICT_MESSAGE)
        return False
    service.change_status(ticket, value, version, actor)
    return True


def bulk_apply(selection: list[tuple[int, int | None]], action: str, value, actor) -> BulkResult:
    """Apply `action` (assign: user id, priority: code, status: code) to each selected ticket independently."""
    if action not in ACTIONS:
        raise DomainError("一括操作の種類を選んでください。")
    if not selection:
        raise DomainError("相談を1件以上選んでください。")
    if action == "assign" and not value:
        raise DomainError("割り当てる主担当を選んでください。")
    if action == "priority" and value not in PRIORITY_LABELS:
        raise DomainError("変更後の優先度を選んでください。")
    if action == "status" and value not in STATUS_LABELS:
        raise DomainError("変更後の状態を選んでください。")
    versions = dict(selection)
    tickets = list(db.session.scalars(select(Ticket).where(Ticket.id.in_(list(versions))).order_by(Ticket.id)))
    result = BulkResult()
    for ticket in tickets:
        number = ticket.number
        try:
            changed = _one(ticket, action, value, versions[ticket.id], actor)
        except ConflictError:
            db.session.rollback()
            result.conflicts.append(number)
        except DomainError as exc:
            db.session.rollback()
            result.refused.append((number, exc.message))
        else:
            (result.applied if changed is not False else result.unchanged).append(number)
    return result
