"""The 受付一覧 queue: filters parsed from the query string, the SELECT, counts per status, paging.

`parse_filters(request.args)` and `queue_select(params)` are also used by the CSV export."""
from collections.abc import Mapping

from sqlalchemy import Select, case, func, or_, select

from consult.errors import NotFound
from consult.paging import Page, page_count, page_number
from models import OPEN_STATUSES, PRIORITY_LABELS, STATUS_LABELS, URGENCY_LABELS, Category, Department, Ticket, db, dialects

from .queue_extras import parse_requester, requester_clause
from .search_sql import SIDE, keyword_conditions, side_available, side_conditions
from .sla import overdue_clause, today_jst

SORTS = {
    "action": "対応が必要な順",
    "created": "受付日（新しい順）",
    "created_asc": "受付日（古い順）",
    "updated": "更新日（新しい順）",
    "due": "解決期限（近い順）",
    "priority": "優先度（高い順）",
}
PER_PAGE = 25
MAX_KEYWORD = 200
_PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


def _int(value) -> int | None:
    """A positive int from a query-string value, or None."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _flag(value) -> bool:
    """Whether a checkbox-like query-string value is on."""
    return str(value or "").strip().lower() in ("1", "on", "true", "yes")


def parse_filters(args: Mapping) -> dict:
    """Read the queue filters from request.args (a MultiDict or plain dict); unknown values are dropped."""
    getlist = args.getlist if hasattr(args, "getlist") else (lambda k: [args[k]] if k in args else [])
    statuses: list[str] = []
    for raw in getlist("status"):
        for code in str(raw).split(","):
            code = code.strip()
            if code == "open":
                statuses += [s for s in OPEN_STATUSES if s not in statuses]
            elif code in STATUS_LABELS and code not in statuses:
                statuses.append(code)
    submitted = _flag(args.get("f")) or any(getlist("status"))
    if not statuses and not submitted:
        statuses = list(OPEN_STATUSES)  # the default view: what is still open
    category = args.get("category")
    personal = str(args.get("personal") or "").strip()
    urgency = str(args.get("urgency") or "").strip()
    sort = str(args.get("sort") or "").strip()
    return {
        "status": statuses,
        "category": "none" if category == "none" else _int(category),
        "department": _int(args.get("department")),
        "handler": _int(args.get("handler")),
        "unassigned": _flag(args.get("unassigned")),
        "overdue": _flag(args.get("overdue")),
        "urgency": urgency if urgency in URGENCY_LABELS else None,
        "priority": (args.get("priority") if args.get("priority") in PRIORITY_LABELS else None),
        "personal": {"1": True, "0": False}.get(personal),
        "q": str(args.get("q") or "").strip()[:MAX_KEYWORD],
        "requester": parse_requester(args.get("requester")),
        "sort": sort if sort in SORTS else "action",
    }


def _conditions(params: Mapping, with_status: bool = True) -> list:
    """WHERE conditions for the filters in `params` (as returned by parse_filters)."""
    conds = []
    if with_status and params.get("status"):
        conds.append(Ticket.status.in_(params["status"]))
    category = params.get("category")
    if category == "none":
        conds.append(Ticket.category_id.is_(None))
    elif category:
        conds.append(Ticket.category_id == category)
    if params.get("department"):
        dept = params["department"]
        children = select(Department.id).where(Department.parent_id == dept)
        conds.append(or_(Ticket.department_id == dept, Ticket.department_id.in_(children)))
    if params.get("handler"):
        conds.append(or_(Ticket.main_handler_id == params["handler"], Ticket.backup_handler_id == params["handler"]))
    if params.get("unassigned"):
        conds.append(Ticket.main_handler_id.is_(None))
    if params.get("overdue"):
        conds.append(overdue_clause(params.get("today") or today_jst()))
    if params.get("urgency"):
        conds.append(Ticket.urgency == params["urgency"])
    if params.get("priority"):
        conds.append(Ticket.priority == params["priority"])
    if params.get("personal") is not None:
        conds.append(Ticket.contains_personal_info.is_(bool(params["personal"])))
    if params.get("requester"):
        conds.append(requester_clause(params["requester"], Ticket.requester_id))
    conds += keyword_conditions(db.session, _keywords(params))
    return conds


def priority_rank(t=Ticket):
    """SQL expression ranking priorities: 至急 0 … 低 3."""
    return case(_PRIORITY_RANK, value=t.priority, else_=9)


def _order(sort: str, today, t=Ticket) -> list:
    """ORDER BY for a sort key; every order ends with the id so pages are stable (`t` as in overdue_clause)."""
    if sort == "created":
        return [t.created_at.desc(), t.id.desc()]
    if sort == "created_asc":
        return [t.created_at.asc(), t.id.asc()]
    if sort == "updated":
        return [t.updated_at.desc(), t.id.desc()]
    if sort == "due":
        return [t.resolution_due.is_(None), t.resolution_due.asc(), t.id.asc()]
    if sort == "priority":
        return [priority_rank(t), t.created_at.asc(), t.id.asc()]
    # "action": new first, then overdue, then by due date, then the oldest first
    needs = case((t.status == "new", 0), (overdue_clause(today, t), 1), else_=2)
    return [needs, t.resolution_due.is_(None), t.resolution_due.asc(), t.created_at.asc(), t.id.asc()]


def queue_select(params: Mapping) -> Select:
    """SELECT of the tickets matching the filters, in the requested order (handlers etc. eagerly joined)."""
    today = params.get("today") or today_jst()
    return select(Ticket).where(*_conditions(params)).order_by(*_order(params.get("sort") or "action", today))


def status_counts(params: Mapping) -> dict[str, int]:
    """Tickets per status under every filter except the status one (one GROUP BY query)."""
    stmt = select(Ticket.status, func.count()).where(*_conditions(params, with_status=False)).group_by(Ticket.status)
    counts = dict.fromkeys(STATUS_LABELS, 0)
    counts.update({status: n for status, n in db.session.execute(stmt)})
    return counts


def queue_total(params: Mapping, counts: dict[str, int]) -> int:
    """Number of tickets the queue shows, from the per-status counts (saves a second scan of the table)."""
    statuses = params.get("status") or list(counts)
    return sum(counts.get(s, 0) for s in statuses)


def _tickets_by_id(ids: list[int]) -> list[Ticket]:
    """The full rows (with their joined relations) of `ids`, in that order: one query."""
    rows = {t.id: t for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(ids))).unique()} if ids else {}
    return [rows[i] for i in ids if i in rows]


def paginate(stmt: Select, page, per_page: int = PER_PAGE, total: int | None = None) -> Page:
    """Run a select(Ticket) for one page; bad, negative or too-large page numbers fall back to the first/last page.

    Deferred join: the filtered, sorted, offset scan reads only ticket ids (narrow, index-only where an index
    covers the filter and sort), then the 25 full rows are loaded with their joined relations by id."""
    if total is None:
        total = db.session.scalar(stmt.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)) or 0
    number = page_number(page, page_count(total, per_page))
    ids = list(db.session.scalars(
        stmt.with_only_columns(Ticket.id, maintain_column_froms=True).limit(per_page).offset((number - 1) * per_page)))
    return Page(items=_tickets_by_id(ids), page=number, per_page=per_page, total=total)


def _single_scan(params: Mapping, page, per_page: int) -> tuple[Page, dict[str, int]] | None:
    """One page and the per-status counts from a single pass over the matching tickets, or None.

    For a keyword, whose matching rows no index keeps in queue order: window functions count every status and
    number the rows in queue order while the rows are read once, instead of once for the counts and again for the
    page. None when the page asked for is empty (past the end, or no ticket in the chosen statuses), so that the
    caller's two-pass path can clamp the page number with the counts."""
    if _keyword_only(params):  # the search box alone: the side table has the status and the sort keys
        t, where = SIDE, side_conditions(_keywords(params))
    else:
        t, where = Ticket, _conditions(params, with_status=False)
    counts_cols = [func.count().filter(t.status == code).over().label(f"n_{code}") for code in STATUS_LABELS]
    order = _order(params.get("sort") or "action", params.get("today") or today_jst(), t)
    scan = select(t.id.label("id"), t.status.label("status"), func.row_number().over(order_by=order).label("position"),
                  *counts_cols).where(*where).subquery()
    stmt = select(scan).order_by(scan.c.position)
    if params.get("status"):
        stmt = stmt.where(scan.c.status.in_(params["status"]))
    number = page_number(page, 2**31 - 1)
    rows = db.session.execute(stmt.limit(per_page).offset((number - 1) * per_page)).all()
    if not rows:
        return None
    counts = {code: getattr(rows[0], f"n_{code}") for code in STATUS_LABELS}
    total = queue_total(params, counts)
    page_obj = Page(items=_tickets_by_id([r.id for r in rows]), page=number, per_page=per_page, total=total)
    return page_obj, counts


# Filters that need the ticket rows themselves; without them a keyword queue is answered from the side table.
_ROW_FILTERS = ("category", "department", "handler", "unassigned", "overdue", "urgency", "priority", "requester")


def _keyword_only(params: Mapping) -> bool:
    """Whether the queue filters by keyword (status and sort aside) only, and the PostgreSQL side table is there."""
    return (not any(params.get(name) for name in _ROW_FILTERS) and params.get("personal") is None
            and side_available(db.session))


def _keywords(params: Mapping) -> list[str]:
    """The words of the keyword filter (at most ten)."""
    return (params.get("q") or "").split()[:10]


def queue_page(params: Mapping, page, per_page: int = PER_PAGE) -> tuple[Page, dict[str, int]]:
    """The queue's page `page` and its per-status counts.

    With a keyword on PostgreSQL, a single pass (`_single_scan`): each pass there is a scan of the tickets. Otherwise
    the counts come from a GROUP BY and the page from an index in queue order — narrow and quick without a keyword,
    and on SQLite with one, where the keyword index answers each pass in a few ms and its window functions cost
    more than the second pass (measured at 100k tickets: 84 against 73 ms)."""
    if params.get("q") and dialects.is_postgresql():
        found = _single_scan(params, page, per_page)
        if found is not None:
            return found
    counts = status_counts(params)
    return paginate(queue_select(params), page, per_page, total=queue_total(params, counts)), counts


def get_ticket(number: str) -> Ticket:
    """The ticket with this number (DX staff see every ticket), or NotFound."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None:
        raise NotFound("指定された相談は見つかりません。")
    return ticket


def all_categories(active_only: bool = False) -> list[Category]:
    """Categories in display order (for filters and the skills form)."""
    stmt = select(Category).order_by(Category.sort_order, Category.name)
    if active_only:
        stmt = stmt.where(Category.active.is_(True))
    return list(db.session.scalars(stmt))


def department_options() -> list[tuple[int, str]]:
    """(id, label) of 部局 followed by their 課, indented (one query)."""
    depts = list(db.session.scalars(select(Department).order_by(Department.sort_order, Department.code)))
    children: dict[int, list[Department]] = {}
    for d in depts:
        if d.parent_id:
            children.setdefault(d.parent_id, []).append(d)
    options = []
    for d in depts:
        if d.parent_id is None:
            options.append((d.id, d.name))
            options += [(c.id, f"　└ {c.name}") for c in children.get(d.id, [])]
    return options
