"""Time to first response and to resolution in business days: median, 90th percentile, share within SLA.

Business days follow the office calendar (consult/businessdays.py), which the database does not know,
so the calendar is handed to SQL as a parameter: the business-day ordinal of every date the tickets can
touch, as a lookup table indexed by day number (an int[] on PostgreSQL; fixed-width digits in a blob,
read with substr(), on SQLite). The database then computes each ticket's business days itself and
returns one row per distinct duration (a few dozen), not one per ticket or per date pair.
Business days between two moments = business_day_ordinal(JST date of end) − ordinal(JST date of start),
i.e. days d with start < d <= end (same-day answer = 0 days).
"""
from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import case, func, select

from consult.businessdays import business_day_ordinal, business_day_ordinals, to_jst_date
from models import Ticket, db, dialects

from .periods import JST_OFFSET, Period


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


@lru_cache(maxsize=16)
def _ordinals(first: date, last: date) -> tuple[int, ...]:
    """Business-day ordinals of the dates first … last, relative to first (so ≥ 0 and ascending)."""
    table = business_day_ordinals(first, last)
    return tuple(n - table[0] for n in table)


def _ordinal_of(first: date, last: date):
    """A function column → SQL business-day ordinal (relative to `first`) of the column's JST date."""
    lookup = dialects.int_lookup("bd_table", _ordinals(first, last))
    return lambda column: lookup(dialects.jst_day_index(column, first))


def _calendar_span(start_col, end_col, period: Period) -> tuple[date, date]:
    """First and last JST dates that the lookup table must cover: every start date, and the end dates in the period.

    From the extremes of the two columns (four index lookups), so that a period reaching beyond the data
    (say into next year) does not make the office calendar of years without tickets be computed."""
    bounds = [select(agg(col)).scalar_subquery() for col in (start_col, end_col) for agg in (func.min, func.max)]
    first_start, last_start, first_end, last_end = db.session.execute(select(*bounds)).one()
    if first_start is None or first_end is None:
        return period.start, period.start
    end_from = max(period.start, to_jst_date(first_end))
    end_to = min(period.end, to_jst_date(last_end))
    return min(to_jst_date(first_start), end_from), max(to_jst_date(last_start), end_to)


def _measure(start_col, end_col, due_col, period: Period, paused_col=None) -> dict:
    """Tickets whose end falls in the period, counted per business-day duration in SQL (net of `paused_col`
    business days, the SLA pause in 回答待ち); summarised here."""
    ordinal = _ordinal_of(*_calendar_span(start_col, end_col, period))
    gross = ordinal(end_col) - ordinal(start_col)
    days = (gross - func.coalesce(paused_col, 0) if paused_col is not None else gross).label("days")
    stmt = (
        select(
            days, func.count(),
            func.count(due_col), func.coalesce(func.sum(case((dialects.jst_date(end_col) <= due_col, 1), else_=0)), 0),
        )
        .where(end_col >= period.utc_start, end_col < period.utc_end, start_col.is_not(None))
        .group_by(days)
    )
    hist: Counter = Counter()
    with_due = met = 0
    for n_days, n, n_due, n_met in db.session.execute(stmt):
        hist[max(int(n_days), 0)] += n
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
    """Net business days from receipt to resolution (without the days paused in 回答待ち), resolved in the period."""
    return _measure(Ticket.created_at, Ticket.resolved_at, Ticket.resolution_due, period, Ticket.sla_paused_days)


def business_days(start: datetime, end: datetime) -> int:
    """Business days between two naive-UTC moments, as used by the dashboard (for tests and tools)."""
    return business_day_ordinal((end + JST_OFFSET).date()) - business_day_ordinal((start + JST_OFFSET).date())
