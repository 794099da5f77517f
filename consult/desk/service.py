"""DX-staff operations on a ticket: triage, assignment, status, resolution, notes, skills.

Each function is one transaction: it checks the rules and the version the user saw, writes the
audit event, queues notifications, commits, then sends pending mail."""
from functools import wraps

from sqlalchemy import select

from consult import notify, transactions
from consult.audit import record
from consult.audit import snapshot as _snap
from consult.businessdays import add_business_days
from consult.errors import ConflictError, DomainError, NotAllowed
from consult.tickets import transitions
from consult.tickets.workflow import CONFLICT_MESSAGE, REQUIRES_RESOLUTION, can_transition
from models import PRIORITY_LABELS, RESOLUTION_TYPES, STATUS_LABELS, Category, Comment, Ticket, User, db, utcnow

from .sla import due_dates

FIELD_LABELS = {
    "category": "分類", "priority": "優先度", "main_handler": "主担当", "backup_handler": "副担当",
    "status": "状態", "root_cause": "原因", "resolution_type": "解決方法の種類",
    "resolution_summary": "解決内容", "hours_saved_per_year": "年間削減時間",
}
FROZEN = ("closed", "withdrawn")


def display_values(ticket: Ticket) -> dict[str, str]:
    """The ticket's staff-editable fields as Japanese display text (for conflict diffs)."""
    return {
        "category": ticket.category.name if ticket.category else "未設定",
        "priority": PRIORITY_LABELS.get(ticket.priority, ticket.priority),
        "main_handler": ticket.main_handler.name if ticket.main_handler else "未割当",
        "backup_handler": ticket.backup_handler.name if ticket.backup_handler else "なし",
        "status": STATUS_LABELS.get(ticket.status, ticket.status),
        "root_cause": ticket.root_cause or "",
        "resolution_type": ticket.resolution_type or "",
        "resolution_summary": ticket.resolution_summary or "",
        "hours_saved_per_year": "" if ticket.hours_saved_per_year is None else str(ticket.hours_saved_per_year),
    }


def _conflict(ticket: Ticket, yours: dict[str, str] | None) -> ConflictError:
    """A ConflictError listing the fields whose current value differs from the user's input."""
    current = display_values(ticket)
    changes = {
        FIELD_LABELS[key]: {"current": current[key], "yours": value}
        for key, value in (yours or {}).items()
        if key in current and current[key] != value
    }
    return ConflictError(CONFLICT_MESSAGE, current=ticket, changes=changes)


def check_version(ticket: Ticket, version: int | None, yours: dict[str, str] | None = None) -> None:
    """Raise ConflictError (with current-vs-yours differences) when the ticket moved past `version`."""
    if version is None or version != ticket.version:
        raise _conflict(ticket, yours)


def _commit(ticket: Ticket, yours: dict[str, str] | None = None) -> None:
    """Commit; a concurrent update of the same row (version_id_col) becomes a ConflictError."""
    transactions.commit(lambda: _conflict(ticket, yours))
    notify.send_pending()


def _one_flush(operation):
    """Flush only at commit (so a concurrent update surfaces there, with the diff); any other stale flush is a conflict too."""

    @wraps(operation)
    def wrapped(ticket, *args, **kwargs):
        with transactions.conflicts(lambda: _conflict(ticket, None)), db.session.no_autoflush:
            return operation(ticket, *args, **kwargs)

    return wrapped


def _editable(ticket: Ticket) -> None:
    """Closed and withdrawn tickets are official records that no longer change."""
    if ticket.status in FROZEN:
        raise DomainError(f"「{ticket.status_label}」の相談は変更できません。")


def _staff(user_id: int | None, label: str) -> User | None:
    """The active DX staff member/admin with this id, or a DomainError."""
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.role not in ("dx_staff", "admin"):
        raise DomainError(f"{label}には有効なDX推進担当職員を選んでください。")
    return user


@_one_flush
def triage(ticket: Ticket, category_id: int | None, priority: str, version: int | None, actor: User) -> bool:
    """Set 分類 and 優先度 (recomputing the SLA due dates); returns whether anything changed."""
    category = db.session.get(Category, category_id) if category_id else None
    yours = {"category": category.name if category else "未設定", "priority": PRIORITY_LABELS.get(priority, priority)}
    check_version(ticket, version, yours)
    _editable(ticket)
    if priority not in PRIORITY_LABELS:
        raise DomainError("優先度の値が正しくありません。")
    if category_id and (category is None or (not category.active and category.id != ticket.category_id)):
        raise DomainError("分類の値が正しくありません。")
    if not write_triage(ticket, category, priority, actor):
        db.session.rollback()
        return False
    _commit(ticket, yours)
    return True


def write_triage(ticket: Ticket, category: Category | None, priority: str, actor: User) -> bool:
    """Set 分類 and 優先度 (new due dates) with their audit event, without committing; False if unchanged."""
    fields = ("category_id", "priority", "first_response_due", "resolution_due")
    before = {"category": ticket.category.name if ticket.category else None, **_snap(ticket, fields)}
    ticket.category = category
    if priority != ticket.priority or ticket.resolution_due is None:
        ticket.priority = priority
        ticket.first_response_due, ticket.resolution_due = due_dates(ticket.created_at, priority)
        if ticket.sla_paused_days and ticket.resolution_due is not None:  # keep the days already paused
            ticket.resolution_due = add_business_days(ticket.resolution_due, ticket.sla_paused_days)
    after = {"category": category.name if category else None, **_snap(ticket, fields)}
    changed = [k for k in after if after[k] != before[k] and k != "category_id"]
    if not changed:
        return False
    ticket.updated_at = utcnow()
    record("ticket.triaged", "ticket", ticket.id, actor=actor,
           before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return True


@_one_flush
def assign(ticket: Ticket, main_id: int | None, backup_id: int | None, version: int | None, actor: User) -> bool:
    """Set 主担当/副担当 (different active staff); a new ticket becomes 受付. Returns whether anything changed."""
    main = db.session.get(User, main_id) if main_id else None
    backup = db.session.get(User, backup_id) if backup_id else None
    check_version(ticket, version, {"main_handler": main.name if main else "未割当",
                                    "backup_handler": backup.name if backup else "なし"})
    _editable(ticket)
    if main_id is None:
        raise DomainError("主担当を選んでください。")
    main, backup = _staff(main_id, "主担当"), _staff(backup_id, "副担当")
    if backup is not None and backup.id == main.id:
        raise DomainError("主担当と副担当には別の職員を選んでください。")
    return _apply_assignment(ticket, main, backup, actor)


def _apply_assignment(ticket: Ticket, main: User, backup: User | None, actor: User) -> bool:
    """Write the new handlers, the audit event, the status change new→triaged, and commit."""
    if not write_assignment(ticket, main, backup, actor):
        db.session.rollback()
        return False
    _commit(ticket, {"main_handler": main.name, "backup_handler": backup.name if backup else "なし"})
    return True


def write_assignment(ticket: Ticket, main: User, backup: User | None, actor: User) -> bool:
    """Set the handlers with their audit event, new→triaged and the mails, without committing."""
    old_main, old_backup = ticket.main_handler, ticket.backup_handler
    if old_main == main and old_backup == backup:
        return False
    ticket.main_handler, ticket.backup_handler = main, backup
    ticket.updated_at = utcnow()
    record("ticket.assigned", "ticket", ticket.id, actor=actor,
           before={"main_handler": getattr(old_main, "login", None), "backup_handler": getattr(old_backup, "login", None)},
           after={"main_handler": main.login, "backup_handler": getattr(backup, "login", None)})
    if ticket.status == "new":
        transitions.apply(ticket, "triaged", actor)
    newly = [u for u in (main, backup) if u is not None and u not in (old_main, old_backup)]
    if main != old_main and main not in newly:
        newly.append(main)  # promoted from backup to main
    if newly:
        notify.queue_assigned(ticket, newly)
    return True


@_one_flush
def self_assign(ticket: Ticket, version: int | None, actor: User) -> bool:
    """「自分が担当」: the actor becomes 主担当 (leaving 副担当 if they were it)."""
    check_version(ticket, version, {"main_handler": actor.name})
    _editable(ticket)
    if actor.role not in ("dx_staff", "admin") or not actor.active:
        raise NotAllowed("DX推進担当職員だけが担当になれます。")
    backup = ticket.backup_handler
    if backup == actor:
        backup = ticket.main_handler  # swap roles with the former main handler
    return _apply_assignment(ticket, actor, backup, actor)


@_one_flush
def change_status(ticket: Ticket, target: str, version: int | None, actor: User) -> str:
    """Move the ticket along the workflow (解決 needs `resolve`); returns the old status."""
    check_version(ticket, version, {"status": STATUS_LABELS.get(target, target)})
    if target not in STATUS_LABELS:
        raise DomainError("変更後の状態が正しくありません。")
    if target in REQUIRES_RESOLUTION:
        raise DomainError("「解決」にするには、解決内容の欄を入力して「解決にする」を押してください。")
    if not can_transition(ticket.status, target, actor.role):
        raise DomainError(f"「{ticket.status_label}」から「{STATUS_LABELS[target]}」には変更できません。")
    old = transitions.apply(ticket, target, actor)
    _commit(ticket, {"status": STATUS_LABELS[target]})
    return old


@_one_flush
def resolve(ticket: Ticket, root_cause: str, resolution_type: str, summary: str, hours: int | None,
            version: int | None, actor: User) -> None:
    """Record the resolution (原因・種類・内容・年間削減時間) and move the ticket to 解決."""
    yours = {"root_cause": root_cause, "resolution_type": resolution_type, "resolution_summary": summary,
             "hours_saved_per_year": "" if hours is None else str(hours), "status": STATUS_LABELS["resolved"]}
    check_version(ticket, version, yours)
    if not can_transition(ticket.status, "resolved", actor.role):
        raise DomainError(f"「{ticket.status_label}」から「解決」には変更できません。")
    root_cause, summary = check_resolution(root_cause, resolution_type, summary, hours)
    write_resolution(ticket, root_cause, resolution_type, summary, hours, actor)
    transitions.apply(ticket, "resolved", actor)
    _commit(ticket, yours)


def check_resolution(root_cause: str, resolution_type: str, summary: str, hours: int | None) -> tuple[str, str]:
    """The rules of the resolution fields (「解決にする」 and 「送信して解決にする」); returns the stripped cause and summary."""
    root_cause, summary = (root_cause or "").strip(), (summary or "").strip()
    if not root_cause or not summary:
        raise DomainError("解決にするには、原因と解決内容を入力してください。")
    if resolution_type not in RESOLUTION_TYPES:
        raise DomainError("解決方法の種類を選んでください。")
    if hours is not None and hours < 0:
        raise DomainError("年間削減時間は0以上の整数で入力してください。")
    return root_cause, summary


def write_resolution(ticket: Ticket, root_cause: str, resolution_type: str, summary: str, hours: int | None,
                     actor: User) -> None:
    """Set 原因・解決方法の種類・解決内容・年間削減時間 (already checked) with their audit event, without committing."""
    fields = ("root_cause", "resolution_type", "resolution_summary", "hours_saved_per_year")
    before = _snap(ticket, fields)
    ticket.root_cause, ticket.resolution_type = root_cause, resolution_type
    ticket.resolution_summary, ticket.hours_saved_per_year = summary, hours
    record("ticket.resolution_recorded", "ticket", ticket.id, actor=actor, before=before, after=_snap(ticket, fields))


@_one_flush
def add_note(ticket: Ticket, body: str, internal: bool, actor: User) -> Comment:
    """Add an internal note (never shown or mailed to the requester) or a public reply (notifies them)."""
    body = (body or "").strip()
    if not body:
        raise DomainError("本文を入力してください。")
    if actor.role not in ("dx_staff", "admin"):
        raise NotAllowed("DX推進担当職員だけが書き込めます。")
    if not internal and ticket.status in FROZEN:
        raise DomainError(f"「{ticket.status_label}」の相談には返信できません。")
    comment = transitions.add_message(ticket, body, actor, internal=internal)
    _commit(ticket)
    return comment


def set_skills(user: User, category_ids: list[int], actor: User) -> bool:
    """Replace the categories `user` is strong in; returns whether anything changed."""
    if actor.id != user.id and not actor.is_admin:
        raise NotAllowed("自分の得意分野だけを変更できます。")
    wanted = list(db.session.scalars(select(Category).where(Category.id.in_(category_ids or [-1]))))
    if len(wanted) != len(set(category_ids)):
        raise DomainError("分類の値が正しくありません。")
    before = sorted(c.name for c in user.skills)
    after = sorted(c.name for c in wanted)
    if before == after:
        return False
    user.skills = wanted
    record("user.skills_changed", "user", user.id, actor=actor, before={"skills": before}, after={"skills": after})
    db.session.commit()
    return True


from .reassign import open_tickets_of, reassign_open_tickets  # noqa: E402,F401  (desk.service.reassign_open_tickets)
