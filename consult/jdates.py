"""Japanese date formatting (西暦/和暦), JST display and 年度 (fiscal year) helpers.

Datetimes stored by the app are naive UTC; everything shown to users is JST.
Any ``datetime`` passed to these helpers is treated as naive UTC (or converted
if aware) and shown on the JST calendar; plain ``date`` values are used as-is.
"""

from __future__ import annotations

from datetime import date, datetime

from consult.businessdays import JST, to_jst, to_jst_date

__all__ = [
    "JST",
    "to_jst",
    "ERAS",
    "wareki_year",
    "weekday_label",
    "format_date",
    "format_datetime",
    "fiscal_year",
    "fiscal_year_range",
    "format_fiscal_year",
]

#: (era name, first day) newest first.  Dates before 明治 fall back to 西暦.
ERAS: tuple[tuple[str, date], ...] = (
    ("令和", date(2019, 5, 1)),
    ("平成", date(1989, 1, 8)),
    ("昭和", date(1926, 12, 25)),
    ("大正", date(1912, 7, 30)),
    ("明治", date(1868, 1, 25)),
)

_WEEKDAYS = "月火水木金土日"


def wareki_year(d: date | datetime) -> str | None:
    """Return the era-year label such as '令和8年' or '令和元年' (None before 明治)."""
    d = to_jst_date(d)
    for name, start in ERAS:
        if d >= start:
            n = d.year - start.year + 1
            return f"{name}{'元' if n == 1 else n}年"
    return None


def weekday_label(d: date | datetime, parens: bool = True) -> str:
    """Return the Japanese weekday label, e.g. '(日)' (or '日' with parens=False)."""
    ch = _WEEKDAYS[to_jst_date(d).weekday()]
    return f"({ch})" if parens else ch


def format_date(
    d: date | datetime | None, wareki: bool = False, weekday: bool = False
) -> str:
    """Format a date as '2026年11月29日' or '令和8年11月29日' (datetime → JST; None → '')."""
    if d is None:
        return ""
    d = to_jst_date(d)
    era = wareki_year(d) if wareki else None
    year = era if era is not None else f"{d.year}年"
    text = f"{year}{d.month}月{d.day}日"
    if weekday:
        text += weekday_label(d)
    return text


def format_datetime(
    dt: datetime | None, wareki: bool = False, weekday: bool = False
) -> str:
    """Format a naive-UTC datetime in JST as '2026年11月29日 14:05' (None → '')."""
    if dt is None:
        return ""
    local = to_jst(dt)
    return f"{format_date(local.date(), wareki=wareki, weekday=weekday)} {local:%H:%M}"


def fiscal_year(d: date | datetime) -> int:
    """Return the Japanese fiscal year (April–March) of a date; datetime → JST date."""
    d = to_jst_date(d)
    return d.year if d.month >= 4 else d.year - 1


def fiscal_year_range(fy: int) -> tuple[date, date]:
    """Return the first and last day (inclusive) of fiscal year fy: (fy-04-01, fy+1-03-31)."""
    return date(fy, 4, 1), date(fy + 1, 3, 31)


def format_fiscal_year(fy: int, wareki: bool = False) -> str:
    """Format a fiscal year as '2026年度' or '令和8年度'."""
    if wareki:
        # Use the era in force at the end of the FY when its number is >= 1, so
        # FY2019 is 令和元年度 (not 平成31年度) while FY1988 stays 昭和63年度.
        for probe in (date(fy + 1, 3, 31), date(fy, 4, 1)):
            for name, start in ERAS:
                if probe >= start:
                    n = fy - start.year + 1
                    if n >= 1:
                        return f"{name}{'元' if n == 1 else n}年度"
                    break
    return f"{fy}年度"
