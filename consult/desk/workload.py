"""Workload of DX staff: open tickets per handler (main/backup), overdue, recently resolved."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from models import OPEN_STATUSES, PRIORITY_LABELS, Ticket, User, db, staff_skills, utcnow

from .sla import overdue_clause, today_jst

BACKUP_WEIGHT = 0.5


@dataclass
class StaffLoad:
    """Numbers of one staff member on the 担当状況 board."""

    user: User
    main_by_status: dict = field(default_factory=lambda: dict.fromkeys(OPEN_STATUSES, 0))
    main_by_priority: dict = field(default_factory=lambda: dict.fromkeys(PRIORITY_LABELS, 0))
    backup_by_status: dict = field(default_factory=lambda: dict.fromkeys(OPEN_STATUSES, 0))
    backup_by_priority: dict = field(default_factory=lambda: dict.fromkeys(PRIORITY_LABELS, 0))
    overdue: int = 0
    resolved_30d: int = 0

    @property
    def main_open(self) -> int:
        """Open tickets as 主担当."""
        return sum(self.main_by_status.values())

    @property
    def backup_open(self) -> int:
        """Open tickets as 副担当."""
        return sum(self.backup_by_status.values())

    @property
    def load(self) -> float:
        """Load used by the suggestion: main tickets count 1, backup tickets half."""
        return self.main_open + BACKUP_WEIGHT * self.backup_open


def staff_members() -> list[User]:
    """Active DX staff, plus admins who declared skills or hold open tickets, ordered by name."""
    holds = select(Ticket.id).where(
        Ticket.status.in_(OPEN_STATUSES),
        or_(Ticket.main_handler_id == User.id, Ticket.backup_handler_id == User.id),
    ).exists()
    skilled = select(staff_skills.c.user_id).where(staff_skills.c.user_id == User.id).exists()
    stmt = select(User).where(
        User.active.is_(True),
        or_(User.role == "dx_staff", (User.role == "admin") & (holds | skilled)),
    ).options(selectinload(User.skills)).order_by(User.name, User.id)
    return list(db.session.scalars(stmt))


def assignable_staff() -> list[User]:
    """Everyone who may be 主担当/副担当: active DX staff and admins, ordered by name."""
    stmt = select(User).where(User.active.is_(True), User.role.in_(("dx_staff", "admin"))).order_by(User.name, User.id)
    return list(db.session.scalars(stmt))


def loads(users: list[User], today=None) -> dict[int, StaffLoad]:
    """StaffLoad per user id, from four GROUP BY queries (no query per person)."""
    result = {u.id: StaffLoad(user=u) for u in users}
    if not result:
        return result
    ids = list(result)
    for column, by_status, by_priority in (
        (Ticket.main_handler_id, "main_by_status", "main_by_priority"),
        (Ticket.backup_handler_id, "backup_by_status", "backup_by_priority"),
    ):
        stmt = (select(column, Ticket.status, Ticket.priority, func.count())
                .where(column.in_(ids), Ticket.status.in_(OPEN_STATUSES))
                .group_by(column, Ticket.status, Ticket.priority))
        for uid, status, priority, n in db.session.execute(stmt):
            load = result[uid]
            getattr(load, by_status)[status] = getattr(load, by_status).get(status, 0) + n
            getattr(load, by_priority)[priority] = getattr(load, by_priority).get(priority, 0) + n
    overdue = (select(Ticket.main_handler_id, func.count())
               .where(Ticket.main_handler_id.in_(ids), overdue_clause(today or today_jst()))
               .group_by(Ticket.main_handler_id))
    for uid, n in db.session.execute(overdue):
        result[uid].overdue = n
    since = utcnow() - timedelta(days=30)
    resolved = (select(Ticket.main_handler_id, func.count())
                .where(Ticket.main_handler_id.in_(ids), Ticket.resolved_at >= since)
                .group_by(Ticket.main_handler_id))
    for uid, n in db.session.execute(resolved):
        result[uid].resolved_30d = n
    return result


def inactive_handlers() -> list[User]:
    """Deactivated users who are 主担当/副担当 of any ticket (so their old tickets can still be found), by name."""
    held = select(Ticket.id).where(or_(Ticket.main_handler_id == User.id, Ticket.backup_handler_id == User.id)).exists()
    return list(db.session.scalars(select(User).where(User.active.is_(False), held).options(
        selectinload(User.skills)).order_by(User.name, User.id)))


def handler_filter_options() -> list[User]:
    """The queue's 担当者 filter: everyone assignable, then deactivated handlers (shown with （無効）)."""
    return assignable_staff() + inactive_handlers()


def board(today=None) -> list[StaffLoad]:
    """Rows of the 担当状況 board, one per staff member (deactivated handlers last, marked), ordered by name."""
    members = staff_members() + inactive_handlers()
    by_id = loads(members, today)
    return [by_id[u.id] for u in members]


def skill_holders() -> dict[int, list[int]]:
    """Category id → ids of users strong in it."""
    holders: dict[int, list[int]] = defaultdict(list)
    for user_id, category_id in db.session.execute(select(staff_skills.c.user_id, staff_skills.c.category_id)):
        holders[category_id].append(user_id)
    return holders
