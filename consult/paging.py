"""Paging for every list: the page number from the query string, one page of a select, what the pager macro needs."""
import math
from dataclasses import dataclass, field

from sqlalchemy import Select, func

from models import db

#: The largest page number read from a URL: a huge number would overflow the OFFSET.
MAX_PAGE = 100_000


def page_number(raw, last: int = MAX_PAGE) -> int:
    """The requested page as an int within 1..last: missing, unreadable or negative values are page 1, too-large
    ones the last page."""
    try:
        number = int(str(raw).strip()[:12])
    except (TypeError, ValueError):
        number = 1
    return min(max(number, 1), max(last, 1))


@dataclass
class Page:
    """One page of results with what the pager macro needs (`page`, `pages`, `total`)."""

    items: list
    page: int
    per_page: int
    total: int
    pages: int = field(init=False)

    def __post_init__(self):
        self.pages = page_count(self.total, self.per_page)


def page_count(total: int, per_page: int) -> int:
    """Number of pages of `total` rows (at least one, the empty page)."""
    return max(1, math.ceil(total / per_page))


def paginate(stmt: Select, page, per_page: int, total: int | None = None) -> Page:
    """Run `stmt` for one page (the page number clamped to the pages there are); `total` when already counted."""
    if total is None:
        total = db.session.scalar(stmt.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)) or 0
    number = page_number(page, page_count(total, per_page))
    items = list(db.session.scalars(stmt.limit(per_page).offset((number - 1) * per_page)).unique())
    return Page(items=items, page=number, per_page=per_page, total=total)
