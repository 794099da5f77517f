"""Take a person off their open tickets in one step (deactivation; later role changes and moves, issue #17).

`open_tickets_of(person)` lists what they hold, `reassignment_plan(person)` adds the suggested new handlers,
`reassign_open_tickets(person, choices, actor)` applies the admin's choices: every ticket gets a new 主担当 when the
person was 主担当, loses or replaces them as 副担当, one ticket.assigned audit event each, mail to the new handlers."""
from dataclasses import dataclass

from sqlalchemy import or_, select

from consult import notify, transactions
from consult.audit import record
from consult.errors import DomainError
from consult.tickets.workflow import CONFLICT_MESSAGE
from models import OPEN_STATUSES, Ticket, User, db, utcnow

from .suggest import _rank
from .workload import loads, staff_members


@dataclass
class PlanRow:
    """One open ticket of the person: their role on it and the suggested replacement."""

    ticket: Ticket
    role: str  # "main" | "backup"
    main_id: int | None  # suggested 主担当
    backup_id: int | None  # suggested 副担当 (None: none)
    reason: str


def open_tickets_of(person: User) -> list[Ticket]:
    """Open tickets where `person` is 主担当 or 副担当, oldest first."""
    stmt = select(Ticket).where(Ticket.status.in_(OPEN_STATUSES),
                                or_(Ticket.main_handler_id == person.id, Ticket.backup_handler_id == person.id))
    return list(db.session.scalars(stmt.order_by(Ticket.created_at, Ticket.id)))


def reassignment_plan(person: User) -> list[PlanRow]:
    """The person's open tickets with a suggested 主担当 (least loaded, strong in the category) excluding them."""
    tickets = open_tickets_of(person)
    members = [u for u in staff_members() if u.id != person.id]
    by_id = loads(members)
    rows = []
    for t in tickets:
        if t.main_handler_id == person.id:
            strong = [by_id[u.id] for u in members if t.category is not None and t.category in u.skills]
            pool = strong or list(by_id.values())
            best = min(pool, key=_rank) if pool else None
            reason = ("分類が得意で負荷が最も小さい" if strong else "負荷が最も小さい") if best else "担当できる職員がいません"
            main_id = best.user.id if best else None
            backup_id = t.backup_handler_id if t.backup_handler_id != main_id else None
            rows.append(PlanRow(t, "main", main_id, backup_id, reason))
        else:
            rows.append(PlanRow(t, "backup", t.main_handler_id, None, "副担当を外します（必要なら選んでください）"))
    return rows


def _staff(user_id: int | None, person: User) -> User | None:
    """An active staff member other than `person`, or None for no choice."""
    if not user_id:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.role not in ("dx_staff", "admin") or user.id == person.id:
        raise DomainError("付け替え先には、有効なDX担当職員（本人以外）を選んでください。")
    return user


def reassign_open_tickets(person: User, choices: dict[int, tuple[int | None, int | None]], actor: User,
                          reason: str = "deactivation", commit: bool = True) -> int:
    """Give each open ticket of `person` the chosen (main, backup); every ticket must be covered. Returns the count.

    `choices` maps ticket id → (main id, backup id or None). With commit=False the caller commits (e.g. together
    with the role change that makes the reassignment necessary)."""
    tickets = open_tickets_of(person)
    missing = [t.number for t in tickets if t.id not in choices or not choices[t.id][0]]
    if missing:
        raise DomainError(f"主担当が選ばれていない相談があります：{'、'.join(missing)}")
    now = utcnow()
    changed = 0
    for t in tickets:
        main, backup = _staff(choices[t.id][0], person), _staff(choices[t.id][1], person)
        if backup is not None and backup.id == main.id:
            raise DomainError(f"{t.number}：主担当と副担当には別の職員を選んでください。")
        old_main, old_backup = t.main_handler, t.backup_handler
        t.main_handler, t.backup_handler, t.updated_at = main, backup, now
        record("ticket.assigned", "ticket", t.id, actor=actor,
               before={"main_handler": getattr(old_main, "login", None), "backup_handler": getattr(old_backup, "login", None)},
               after={"main_handler": main.login, "backup_handler": getattr(backup, "login", None), "reason": reason})
        newly = [u for u in (main, backup) if u is not None and u not in (old_main, old_backup)]
        if newly:
            notify.queue_assigned(t, newly)
        changed += 1
    if commit:
        _commit()
    return changed


def _commit() -> None:
    """Commit; a ticket changed meanwhile (version) rolls everything back with a Japanese message."""
    transactions.commit(CONFLICT_MESSAGE)
    notify.send_pending()


def deactivate_staff(person: User, choices: dict[int, tuple[int | None, int | None]], actor: User) -> int:
    """Deactivate a staff member and reassign their open tickets in one transaction; returns the tickets moved."""
    if person.id == actor.id:
        raise DomainError("自分自身を無効にすることはできません。")
    moved = reassign_open_tickets(person, choices, actor, reason="deactivation", commit=False)
    if person.active:
        person.active = False
        person.session_token = None
        record("user.deactivated", "user", person.id, actor=actor, before={"active": True},
               after={"active": False, "reassigned_tickets": moved})
    _commit()
    return moved
