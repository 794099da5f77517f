"""Suggest a 主担当: the least-loaded staff member among those strong in the ticket's category."""
from dataclasses import dataclass

from sqlalchemy import select

from models import User, db, staff_skills

from .workload import StaffLoad, loads, staff_members


@dataclass
class Suggestion:
    """The suggested handler (None when nobody can take it) and a one-line reason in Japanese."""

    user: User | None
    reason: str


def _count_text(load: StaffLoad) -> str:
    """「2件」 or 「主担当2件・副担当1件」."""
    if load.backup_open:
        return f"主担当{load.main_open}件・副担当{load.backup_open}件"
    return f"{load.main_open}件"


def _rank(load: StaffLoad) -> tuple:
    """Least load first; ties go to fewer overdue tickets, then to the name."""
    return (load.load, load.overdue, load.user.name, load.user.id)


def suggest_handler(ticket, today=None) -> Suggestion:
    """The least-loaded staff member strong in the ticket's category (or overall), with the reason."""
    members = staff_members()
    if not members:
        return Suggestion(None, "担当できるDX推進担当職員が登録されていません。")
    by_id = loads(members, today)
    category = ticket.category
    strong: list[StaffLoad] = []
    if category is not None:
        ids = set(db.session.scalars(select(staff_skills.c.user_id).where(staff_skills.c.category_id == category.id)))
        strong = [by_id[u.id] for u in members if u.id in ids]
    if strong:
        best = min(strong, key=_rank)
        return Suggestion(best.user, f"{category.name}が得意な{len(strong)}人のうち、対応中の件数が最も少ない（{_count_text(best)}）ため")
    best = min(by_id.values(), key=_rank)
    if category is None:
        prefix = "分類が未設定のため、"
    else:
        prefix = f"{category.name}が得意な担当者がいないため、"
    return Suggestion(best.user, f"{prefix}全担当者{len(members)}人のうち対応中の件数が最も少ない（{_count_text(best)}）ため")
