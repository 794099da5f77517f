"""When a record's 保存期間 starts and ends (pure date arithmetic, no database)."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app

from consult.businessdays import to_jst_date
from consult.jdates import fiscal_year
from models.db import utcnow

COMPLETED_STATUSES = ("closed", "withdrawn")


def today() -> date:
    """Today's date in JST (the clock tests freeze)."""
    return to_jst_date(utcnow())


def completed_on(status: str, closed_at: datetime | None, withdrawn_at: datetime | None) -> date | None:
    """JST date the record was completed (完結): 完了 or 取下げ; None while it is still in progress."""
    if status == "closed" and closed_at:
        return to_jst_date(closed_at)
    if status == "withdrawn" and withdrawn_at:
        return to_jst_date(withdrawn_at)
    return None


def _add_years(d: date, years: int) -> date:
    """The same day `years` later (29 Feb → 28 Feb)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def period_start(completed: date, mode: str | None = None) -> date:
    """First day of the 保存期間: 4/1 of the fiscal year after completion (or the day after, mode "completion")."""
    mode = mode or current_app.config.get("CONSULT_RETENTION_START", "fiscal")
    if mode == "completion":
        return completed + timedelta(days=1)
    return date(fiscal_year(completed) + 1, 4, 1)


def expires_on(completed: date | None, years: int | None, extension_years: int = 0, mode: str | None = None) -> date | None:
    """満了日: last day of the period (None when not completed yet or 常用)."""
    if completed is None or years is None:
        return None
    return _add_years(period_start(completed, mode), years + (extension_years or 0)) - timedelta(days=1)


def is_due(expiry: date | None, as_of: date) -> bool:
    """The period has ended before `as_of` (満了日 < as_of)."""
    return expiry is not None and expiry < as_of


@dataclass
class Schedule:
    """Retention of one record as computed for the due list and the ledgers."""

    years: int | None
    action: str
    extension_years: int
    completed: date | None
    expiry: date | None
