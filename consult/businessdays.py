"""Japanese business-day arithmetic for SLA / due-date calculations.

Conventions
-----------
* Datetimes stored by the app are *naive UTC*.  All business-day math is done
  on the JST (UTC+9) calendar date of a moment (see :func:`to_jst_date`).
* A business day is a weekday that is neither a national holiday (as known by
  ``jpholiday``, including 振替休日 and 国民の休日) nor part of the prefectural
  office year-end closure (12/29 – 1/3).
* :func:`business_day_ordinal` numbers business days from a fixed epoch so that
  ``ordinal(b) - ordinal(a)`` is the number of business days ``d`` with
  ``a < d <= b``.  Per-year tables are cached, so this is O(1) after warm-up.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache

import jpholiday

__all__ = [
    "JST",
    "EPOCH",
    "to_jst",
    "to_jst_date",
    "holidays_in_year",
    "is_office_closure",
    "is_business_day",
    "business_day_ordinal",
    "business_day_ordinals",
    "add_business_days",
    "business_days_between",
    "due_date",
]

#: Japan Standard Time (no DST, so a fixed offset is exact).
JST = timezone(timedelta(hours=9), "JST")

#: Ordinals count business days on or after this date (earlier dates go negative).
#: Kept recent on purpose: jpholiday needs ~50 ms per year to enumerate holidays,
#: and the first ordinal lookup has to walk every year between EPOCH and the date.
EPOCH = date(2020, 1, 1)


def to_jst(dt: datetime) -> datetime:
    """Convert a naive-UTC (or aware) datetime to an aware JST datetime."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(JST)


def to_jst_date(value: datetime | date) -> date:
    """Return the JST calendar date of a naive-UTC datetime; plain dates pass through."""
    if isinstance(value, datetime):
        return to_jst(value).date()
    return value


@cache
def holidays_in_year(year: int) -> frozenset[date]:
    """Return the national holidays (incl. 振替休日/国民の休日) of a year, cached."""
    return frozenset(d for d, _name in jpholiday.year_holidays(year))


def is_office_closure(d: date) -> bool:
    """Return True if d falls in the year-end/new-year office closure (12/29–1/3)."""
    return (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)


def is_business_day(d: date) -> bool:
    """Return True if d is a weekday, not a national holiday and not 12/29–1/3."""
    if isinstance(d, datetime):
        d = to_jst_date(d)
    if d.weekday() >= 5 or is_office_closure(d):
        return False
    return d not in holidays_in_year(d.year)


@cache
def _year_prefix(year: int) -> tuple[int, ...]:
    """Return cumulative business-day counts from Jan 1 to each day of the year."""
    counts = []
    total = 0
    d = date(year, 1, 1)
    one = timedelta(days=1)
    while d.year == year:
        if is_business_day(d):
            total += 1
        counts.append(total)
        d += one
    return tuple(counts)


_OFFSETS: dict[int, int] = {EPOCH.year: 0}
_OFFSETS_LOCK = threading.Lock()


def _year_offset(year: int) -> int:
    """Return business days in [EPOCH, Jan 1 of year) (negative before EPOCH)."""
    cached = _OFFSETS.get(year)
    if cached is not None:
        return cached
    with _OFFSETS_LOCK:
        if year > EPOCH.year:
            y = max(k for k in _OFFSETS if k < year)
            value = _OFFSETS[y]
            while y < year:
                value += _year_prefix(y)[-1]
                y += 1
                _OFFSETS[y] = value
        else:
            y = min(k for k in _OFFSETS if k > year)
            value = _OFFSETS[y]
            while y > year:
                y -= 1
                value -= _year_prefix(y)[-1]
                _OFFSETS[y] = value
        return _OFFSETS[year]


def business_day_ordinal(d: date) -> int:
    """Return the number of business days in [EPOCH, d] (difference-friendly, cached per year)."""
    d = to_jst_date(d)
    return _year_offset(d.year) + _year_prefix(d.year)[d.timetuple().tm_yday - 1]


def business_day_ordinals(first: date, last: date) -> list[int]:
    """Return business_day_ordinal(d) for every date d from first to last (inclusive), in order."""
    out: list[int] = []
    for year in range(first.year, last.year + 1):
        prefix, offset = _year_prefix(year), _year_offset(year)
        lo = first.timetuple().tm_yday - 1 if year == first.year else 0
        hi = last.timetuple().tm_yday if year == last.year else len(prefix)
        out.extend(offset + n for n in prefix[lo:hi])
    return out


def _next_business_day(d: date) -> date:
    """Return d if it is a business day, otherwise the next business day."""
    one = timedelta(days=1)
    while not is_business_day(d):
        d += one
    return d


def add_business_days(start: date, n: int) -> date:
    """Return the date n business days after start (counting from the next business day if start is not one)."""
    d = _next_business_day(to_jst_date(start))
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    while remaining:
        d += step
        if is_business_day(d):
            remaining -= 1
    return d


def business_days_between(start: datetime | date, end: datetime | date) -> int:
    """Return the count of business days d with start_date < d <= end_date (JST dates; negative if end < start)."""
    return business_day_ordinal(to_jst_date(end)) - business_day_ordinal(
        to_jst_date(start)
    )


def due_date(created: datetime, business_days: int) -> date:
    """Return the JST due date that is business_days business days after a naive-UTC creation time."""
    return add_business_days(to_jst_date(created), business_days)
