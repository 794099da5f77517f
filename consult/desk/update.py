"""The side panel's one 「更新」: 分類, 優先度, 主担当・副担当 and 状態 in one transaction and one version check."""
from dataclasses import dataclass

from consult.errors import DomainError
from consult.tickets import transitions
from consult.tickets.workflow import REQUIRES_RESOLUTION, can_transition
from models import PRIORITY_LABELS, STATUS_LABELS, Category, Ticket, User, db

from .service import _commit, _editable, _one_flush, _staff, check_version, write_assignment, write_triage


@dataclass
class Changes:
    """What the staff member chose in the 更新 form (ids as ints, None for 未設定/なし)."""

    category_id: int | None
    priority: str
    main_id: int | None
    backup_id: int | None
    status: str


def _yours(changes: Changes, category: Category | None, main: User | None, backup: User | None) -> dict[str, str]:
    """The user's input as display text, for the conflict page."""
    return {
        "category": category.name if category else "未設定",
        "priority": PRIORITY_LABELS.get(changes.priority, changes.priority),
        "main_handler": main.name if main else "未割当",
        "backup_handler": backup.name if backup else "なし",
        "status": STATUS_LABELS.get(changes.status, changes.status),
    }


def _check_status(ticket: Ticket, target: str, actor: User) -> None:
    """Refuse a status the workflow does not allow from the current one."""
    if target not in STATUS_LABELS:
        raise DomainError("変更後の状態が正しくありません。")
    if target == ticket.status:
        return
    if target in REQUIRES_RESOLUTION:
        raise DomainError("「解決」にするには、解決内容の欄を入力して「解決にする」を押してください。")
    if not can_transition(ticket.status, target, actor.role):
        raise DomainError(f"「{ticket.status_label}」から「{STATUS_LABELS[target]}」には変更できません。")


@_one_flush
def update_ticket(ticket: Ticket, changes: Changes, version: int | None, actor: User) -> list[str]:
    """Apply every changed field at once (one audit event per kind of change); returns the changed labels."""
    category = db.session.get(Category, changes.category_id) if changes.category_id else None
    main = db.session.get(User, changes.main_id) if changes.main_id else None
    backup = db.session.get(User, changes.backup_id) if changes.backup_id else None
    yours = _yours(changes, category, main, backup)
    check_version(ticket, version, yours)
    _editable(ticket)
    if changes.priority not in PRIORITY_LABELS:
        raise DomainError("優先度の値が正しくありません。")
    if changes.category_id and (category is None or (not category.active and category.id != ticket.category_id)):
        raise DomainError("分類の値が正しくありません。")
    _check_status(ticket, changes.status, actor)
    if changes.main_id is None and (ticket.main_handler_id is not None or changes.backup_id is not None):
        raise DomainError("主担当を選んでください。")
    if changes.main_id is not None:
        main, backup = _staff(changes.main_id, "主担当"), _staff(changes.backup_id, "副担当")
        if backup is not None and backup.id == main.id:
            raise DomainError("主担当と副担当には別の職員を選んでください。")

    changed = []
    if write_triage(ticket, category, changes.priority, actor):
        changed.append("分類・優先度")
    if changes.status != ticket.status:
        transitions.apply(ticket, changes.status, actor)
        changed.append("状態")
    if main is not None and write_assignment(ticket, main, backup, actor):
        changed.append("担当者")
    if not changed:
        db.session.rollback()
        return []
    _commit(ticket, yours)
    return changed

