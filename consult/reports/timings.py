"""Time to first response and to resolution in business days: median, 90th percentile, share within SLA.

Business days follow the office calendar (consult/businessdays.py), which SQL cannot know. So the
database groups the tickets by (JST start date, JST end date) — with the counts and the SLA hits per
pair — and Python turns each pair into business days with the cached ordinal function. The rows
returned grow with the number of distinct date pairs (a few thousand a year), not with the tickets,
are streamed in chunks (yield_per), and durations go into a Counter {days: tickets}.
Business days between two moments = business_day_ordinal(JST date of end) − ordinal(JST date of start),
i.e. days d with start < d <= end (same-day answer = 0 days).
"""
from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime

from sqlalchemy import case, func, select

from consult.businessdays import business_day_ordinal
from models import Ticket, db

from .periods import JST_OFFSET, Period
from .queries import jst_date

CHUNK = 2000


class _Ordinals(dict):
    """Memo of business-day ordinals per JST date (a period touches a few hundred dates at most)."""

    def __missing__(self, d: date) -> int:
        value = self[d] = business_day_ordinal(d)
        return value


def percentile(hist: Counter, p: float) -> int | None:
    """Nearest-rank percentile of a histogram {value: count}: the smallest v with ≥ p% of values ≤ v."""
    n = sum(hist.values())
    if not n:
        return None
    rank = max(1, math.ceil(p / 100 * n))
    seen = 0
    for value in sorted(hist):
        seen += hist[value]
        if seen >= rank:
            return value
    return None  # pragma: no cover


def _as_date(value) -> date:
    """SQLite returns 'YYYY-MM-DD' text for date(), PostgreSQL a date."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _measure(start_col, end_col, due_col, period: Period) -> dict:
    """Group tickets whose end falls in the period by (JST start date, JST end date); summarise in business days."""
    dialect = db.engine.dialect.name
    start_day, end_day = jst_date(start_col, dialect), jst_date(end_col, dialect)
    stmt = (
        select(
            start_day, end_day, func.count(),
            func.count(due_col), func.coalesce(func.sum(case((end_day <= due_col, 1), else_=0)), 0),
        )
        .where(end_col >= period.utc_start, end_col < period.utc_end, start_col.is_not(None))
        .group_by(start_day, end_day)
        .execution_options(yield_per=CHUNK)
    )
    ordinals = _Ordinals()
    hist: Counter = Counter()
    with_due = met = 0
    for start, end, n, n_due, n_met in db.session.execute(stmt):
        days = ordinals[_as_date(end)] - ordinals[_as_date(start)]
        hist[max(days, 0)] += n
        with_due += n_due
        met += int(n_met)
    return {
        "count": sum(hist.values()),
        "median": percentile(hist, 50),
        "p90": percentile(hist, 90),
        "with_due": with_due,
        "met": met,
        "share": (met / with_due) if with_due else None,
    }


def first_response(period: Period) -> dict:
    """Business days from receipt to first response, for tickets first answered in the period."""
    return _measure(Ticket.created_at, Ticket.first_response_at, Ticket.first_response_due, period)


def resolution(period: Period) -> dict:
    """Business days from receipt to resolution, for tickets resolved in the period."""
    return _measure(Ticket.created_at, Ticket.resolved_at, Ticket.resolution_due, period)


def business_days(start: datetime, end: datetime) -> int:
    """Business days between two naive-UTC moments, as used by the dashboard (for tests and tools)."""
    return business_day_ordinal((end + JST_OFFSET).date()) - business_day_ordinal((start + JST_OFFSET).date())
