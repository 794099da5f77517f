"""Report periods (this month, fiscal years, custom) on the JST calendar, and their time buckets.

A period is a closed range of JST dates. In SQL it becomes the half-open naive-UTC range
[start 00:00 JST, day after end 00:00 JST), which is what the stored naive-UTC timestamps compare to.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from consult.businessdays import to_jst_date
from consult.jdates import fiscal_year, fiscal_year_range, format_date, format_fiscal_year
from models import utcnow

JST_OFFSET = timedelta(hours=9)
#: Ranges longer than this are shown per month, shorter ones per week.
WEEKLY_MAX_DAYS = 70

PERIOD_CHOICES = [
    ("month", "今月"),
    ("fy", "今年度"),
    ("last_fy", "前年度"),
    ("custom", "期間を指定"),
]


@dataclass(frozen=True)
class Period:
    """A closed range of JST dates with its display label and bucket size."""

    kind: str
    start: date
    end: date
    label: str

    @property
    def unit(self) -> str:
        """'week' for short ranges, 'month' otherwise."""
        return "week" if (self.end - self.start).days + 1 <= WEEKLY_MAX_DAYS else "month"

    @property
    def utc_start(self) -> datetime:
        """Naive-UTC instant of the period's first JST midnight."""
        return jst_midnight_utc(self.start)

    @property
    def utc_end(self) -> datetime:
        """Naive-UTC instant just after the period (exclusive bound)."""
        return jst_midnight_utc(self.end + timedelta(days=1))

    def buckets(self) -> list[Bucket]:
        """The weeks (Monday first) or months that the period touches, in order."""
        return make_buckets(self.start, self.end, self.unit)

    def bucket_ranges(self) -> list[tuple[Bucket, datetime, datetime]]:
        """Each bucket with the half-open naive-UTC range of its part inside the period."""
        return [(b, jst_midnight_utc(max(b.start, self.start)), jst_midnight_utc(min(b.next_start, self.end + timedelta(days=1))))
                for b in self.buckets()]


@dataclass(frozen=True)
class Bucket:
    """One week or month of a chart: its first JST date and the exclusive end date."""

    start: date
    next_start: date
    unit: str

    @property
    def key(self) -> str:
        """The ISO date of the bucket's first day, as the SQL bucket expression returns it."""
        return self.start.isoformat()

    def label(self, wareki: bool = False) -> str:
        """Short Japanese label: '2026年4月' or '4月6日の週'."""
        if self.unit == "month":
            text = format_date(self.start, wareki=wareki)
            return text[: text.index("月") + 1]
        return f"{self.start.month}月{self.start.day}日の週"


def jst_midnight_utc(d: date) -> datetime:
    """Naive-UTC datetime of 00:00 JST on date d."""
    return datetime(d.year, d.month, d.day) - JST_OFFSET


def jst_today() -> date:
    """Today's date in JST."""
    return to_jst_date(utcnow())


def _bucket_start(d: date, unit: str) -> date:
    """First day of the week (Monday) or month containing d."""
    if unit == "month":
        return d.replace(day=1)
    return d - timedelta(days=d.weekday())


def _next_bucket(d: date, unit: str) -> date:
    """First day of the following week or month."""
    if unit == "month":
        return date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return d + timedelta(days=7)


def make_buckets(start: date, end: date, unit: str) -> list[Bucket]:
    """Every bucket touching [start, end]."""
    out = []
    cursor = _bucket_start(start, unit)
    while cursor <= end:
        nxt = _next_bucket(cursor, unit)
        out.append(Bucket(cursor, nxt, unit))
        cursor = nxt
    return out


def resolve_period(kind: str, start: date | None = None, end: date | None = None,
                   today: date | None = None, wareki: bool = False) -> Period:
    """Turn a period choice into dates; 'this month' and 'this fiscal year' run up to today."""
    today = today or jst_today()
    if kind == "month":
        first = today.replace(day=1)
        label = format_date(first, wareki=wareki)
        return Period(kind, first, today, f"{label[: label.index('月') + 1]}（{today.day}日まで）")
    if kind in ("fy", "last_fy"):
        fy = fiscal_year(today) - (kind == "last_fy")
        first, last = fiscal_year_range(fy)
        last = min(last, today) if kind == "fy" else last
        suffix = f"（{format_date(last, wareki=wareki)}まで）" if kind == "fy" else ""
        return Period(kind, first, last, format_fiscal_year(fy, wareki=wareki) + suffix)
    if kind == "custom" and start and end:
        label = f"{format_date(start, wareki=wareki)}〜{format_date(end, wareki=wareki)}"
        return Period(kind, start, end, label)
    raise ValueError(f"unknown period {kind!r}")
