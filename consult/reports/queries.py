"""SQL aggregations of the dashboard: every figure is counted in the database, never a loop over tickets.

Buckets (weeks, months) are JST dates: stored timestamps are naive UTC. Counts per bucket of an indexed
timestamp are range counts, one scalar subquery per bucket in a single statement (each an index range,
no per-row date function); other groupings add 9 hours in SQL before truncating (SQLite strftime/date
modifiers, PostgreSQL date_trunc).
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import DateTime, Select, and_, bindparam, case, exists, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from consult.identity.structure import labels as structure_labels
from models import (
    OPEN_STATUSES,
    RESOLUTION_TYPES,
    Case,
    Category,
    Department,
    SearchLog,
    SuggestionClick,
    Ticket,
    User,
    db,
    dialects,
)

from .periods import Period

TOP_N = 10


def _within(column, period: Period) -> ColumnElement:
    """column lies in the period (half-open naive-UTC range)."""
    return and_(column >= period.utc_start, column < period.utc_end)


@lru_cache(maxsize=32)
def _range_count_statement(columns: tuple[str, ...], n_ranges: int) -> Select:
    """SELECT of one count(*) per (column, range :lo<i> ≤ column < :hi<i>), built once per shape and reused."""
    count = select(func.count()).select_from(Ticket)
    return select(*[
        count.where(getattr(Ticket, name) >= bindparam(f"lo{i}", type_=DateTime),
                    getattr(Ticket, name) < bindparam(f"hi{i}", type_=DateTime)).scalar_subquery()
        for name in columns for i in range(n_ranges)
    ])


def range_counts(columns: tuple[str, ...], period: Period) -> dict[str, dict[str, int]]:
    """Tickets per bucket of each timestamp column, and 'before' the period: {column: {bucket key: n}}.

    One statement of scalar subqueries, each counting one index range, instead of a GROUP BY over a date
    expression evaluated for every ticket of the period (the statement is built once per number of buckets)."""
    ranges = [("before", datetime.min, period.utc_start)] + [(b.key, lo, hi) for b, lo, hi in period.bucket_ranges()]
    params = {}
    for i, (_, lo, hi) in enumerate(ranges):
        params[f"lo{i}"], params[f"hi{i}"] = lo, hi
    row = iter(db.session.execute(_range_count_statement(columns, len(ranges)), params).one())
    return {name: {key: int(next(row)) for key, _, _ in ranges} for name in columns}


def received_and_resolved(period: Period) -> dict[str, dict[str, int]]:
    """Tickets received (created_at) and resolved (resolved_at) per bucket, and before the period ('before')."""
    counts = range_counts(("created_at", "resolved_at"), period)
    return {"received": counts["created_at"], "resolved": counts["resolved_at"]}


def backlog(period: Period, flow: dict[str, dict[str, int]]) -> list[int]:
    """Open tickets at the end of each bucket (or of the period, for the last one), from received_and_resolved().

    open(t) = created before t − ended before t. A ticket has ended when its status is not open, at
    coalesce(resolved_at, closed_at, withdrawn_at, updated_at). Most ended tickets are counted by the
    resolved_at range counts already made; one small GROUP BY corrects them: minus open tickets that
    still carry a resolved_at, plus ended tickets without one (withdrawn, closed unresolved)."""
    start = period.utc_start
    is_open = Ticket.status.in_(OPEN_STATUSES)
    end = func.coalesce(Ticket.resolved_at, Ticket.closed_at, Ticket.withdrawn_at, Ticket.updated_at)
    bucket = case((end < start, "before"), else_=dialects.jst_bucket(end, period.unit)).label("bucket")
    adjust = dict(db.session.execute(
        select(bucket, func.sum(case((is_open, -1), else_=1)))
        # open with a resolved_at, or ended without one; as one comparison so that both databases read the
        # covering index ix_tickets_ended (SQLite would otherwise look up every unresolved ticket's row)
        .where(is_open == Ticket.resolved_at.is_not(None), end < period.utc_end)
        .group_by(bucket)
    ).all())
    received, resolved = flow["received"], flow["resolved"]
    level = received["before"] - resolved["before"] - int(adjust.pop("before", 0))
    points = []
    for b in period.buckets():
        level += received.get(b.key, 0) - resolved.get(b.key, 0) - int(adjust.get(b.key, 0))
        points.append(level)
    return points


def _pairs(stmt) -> list[tuple[str, int]]:
    """Run a (label, count) query."""
    return [(label, int(n)) for label, n in db.session.execute(stmt)]


def received_breakdown(period: Period, structure: str | None = None) -> dict[str, list[tuple[str, int]]]:
    """Tickets received per 部局, per 課 ('部局 課') and per category (未分類 for none), largest first.

    One GROUP BY (category, department) scan of the period; the small aggregated result (at most
    departments × categories rows) is then rolled up to 部局 / 課 / category in Python. Grouping by category
    first keeps SQLite on the covering index ix_tickets_created: grouped by department first, its planner
    skip-scans ix_tickets_department_created and reads every ticket row for the category (4× slower).
    `structure` ("then" / "today") labels 所属 by the organisation at the period's end or by today's (組織改正)."""
    stmt = (
        select(Ticket.department_id, Ticket.category_id, func.count())
        .where(_within(Ticket.created_at, period))
        .group_by(Ticket.category_id, Ticket.department_id)
    )
    cells = db.session.execute(stmt).all()
    dept_ids = {d for d, _, _ in cells}
    parent = aliased(Department)
    depts = {
        row.id: row for row in db.session.execute(
            select(Department.id, Department.name, Department.parent_id, parent.name.label("parent_name"))
            .outerjoin(parent, parent.id == Department.parent_id).where(Department.id.in_(dept_ids or [0]))
        )
    }
    cat_names = dict(db.session.execute(select(Category.id, Category.name)).all())
    top: dict[str, int] = {}
    unit: dict[str, int] = {}
    category: dict[str, int] = {}
    named = structure_labels(dept_ids, structure, on=period.end) if structure else {}
    for dept_id, cat_id, n in cells:
        d = depts[dept_id]
        top_name, label = named.get(dept_id) or (d.parent_name or d.name, f"{d.parent_name} {d.name}" if d.parent_name else d.name)
        top[top_name] = top.get(top_name, 0) + n
        unit[label] = unit.get(label, 0) + n
        cat = cat_names.get(cat_id, "未分類")
        category[cat] = category.get(cat, 0) + n

    def ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    return {"top_departments": ranked(top), "departments": ranked(unit), "categories": ranked(category)}


def by_resolution_type(period: Period) -> list[tuple[str, int]]:
    """Tickets resolved in the period per resolution type; every type is listed, zeros included."""
    stmt = (
        select(Ticket.resolution_type, func.count())  # count(*): PostgreSQL answers from the index alone
        .where(_within(Ticket.resolved_at, period))
        .group_by(Ticket.resolution_type)
    )
    counts = {kind: int(n) for kind, n in db.session.execute(stmt)}
    rows = [(kind, counts.pop(kind, 0)) for kind in RESOLUTION_TYPES]
    rows += [(kind or "未設定", n) for kind, n in sorted(counts.items(), key=lambda kv: kv[0] or "")]
    return rows


def handler_load() -> dict:
    """Open tickets now per handler, as main (主担当) and backup (副担当), plus unassigned ones."""
    open_ = Ticket.status.in_(OPEN_STATUSES)
    main = dict(db.session.execute(select(Ticket.main_handler_id, func.count()).where(open_).group_by(Ticket.main_handler_id)).all())
    backup = dict(db.session.execute(
        select(Ticket.backup_handler_id, func.count()).where(open_, Ticket.backup_handler_id.is_not(None))
        .group_by(Ticket.backup_handler_id)).all())
    unassigned = int(main.pop(None, 0))
    ids = set(main) | set(backup)
    staff = db.session.execute(
        select(User.id, User.name).where((User.role.in_(("dx_staff", "admin")) & User.active) | User.id.in_(ids or [0]))
        .order_by(User.name)
    ).all()
    rows = [(name, int(main.get(uid, 0)), int(backup.get(uid, 0))) for uid, name in staff]
    rows.sort(key=lambda r: (-(r[1] + r[2]), -r[1], r[0]))
    return {"rows": rows, "unassigned": unassigned, "open_total": sum(main.values()) + unassigned}


def hours_saved(period: Period) -> dict:
    """Sum of the hours-saved estimates of tickets resolved in the period, and the top tickets and cases."""
    where = _within(Ticket.resolved_at, period)
    total, estimated = db.session.execute(
        select(func.coalesce(func.sum(Ticket.hours_saved_per_year), 0), func.count(Ticket.hours_saved_per_year)).where(where)
    ).one()
    # The top ids first (SQLite: from the covering index ix_tickets_resolved), then the rows of those ten only.
    top_ids = (
        select(Ticket.id).where(where, Ticket.hours_saved_per_year > 0)
        .order_by(Ticket.hours_saved_per_year.desc(), Ticket.id).limit(TOP_N)
    )
    top_tickets = db.session.execute(
        select(Ticket.id, Ticket.number, Ticket.title, Department.name, Ticket.resolution_type,
               Ticket.hours_saved_per_year, Ticket.resolved_at)
        .join(Department, Department.id == Ticket.department_id)
        .where(Ticket.id.in_(top_ids))
        .order_by(Ticket.hours_saved_per_year.desc(), Ticket.id)
    ).all()
    top_cases = db.session.execute(
        select(Case.id, Case.ref, Case.title, Case.department_label, Case.resolution_type, Case.hours_saved_per_year)
        .where(Case.status == "published", Case.hours_saved_per_year > 0)
        .order_by(Case.hours_saved_per_year.desc(), Case.id).limit(TOP_N)
    ).all()
    return {"total": int(total), "estimated": int(estimated), "top_tickets": top_tickets, "top_cases": top_cases}


def knowledge_use(period: Period) -> dict:
    """Searches, suggestion clicks while filing, consultations avoided and the most used cases."""
    logs = dict(db.session.execute(
        select(SearchLog.source, func.count()).where(_within(SearchLog.created_at, period)).group_by(SearchLog.source)
    ).all())
    clicks_where = _within(SuggestionClick.created_at, period)
    clicks = db.session.scalar(select(func.count()).select_from(SuggestionClick).where(clicks_where))
    filed = exists().where(Ticket.intake_token == SuggestionClick.intake_token)
    tokens = select(func.count(func.distinct(SuggestionClick.intake_token))).where(clicks_where, SuggestionClick.intake_token.is_not(None))
    sessions = db.session.scalar(tokens)
    avoided = db.session.scalar(tokens.where(~filed))
    published = Case.status == "published"
    cols = (Case.id, Case.ref, Case.title, Case.view_count, Case.helpful_count)
    viewed = db.session.execute(
        select(*cols).where(published, Case.view_count > 0).order_by(Case.view_count.desc(), Case.id).limit(TOP_N)).all()
    helpful = db.session.execute(
        select(*cols).where(published, Case.helpful_count > 0).order_by(Case.helpful_count.desc(), Case.id).limit(TOP_N)).all()
    return {
        "searches": int(logs.get("browse", 0)),
        "suggest_lookups": int(logs.get("suggest", 0)),
        "clicks": int(clicks or 0),
        "click_sessions": int(sessions or 0),
        "avoided": int(avoided or 0),
        "most_viewed": viewed,
        "most_helpful": helpful,
    }

