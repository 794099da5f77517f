"""保存期間 arithmetic across fiscal-year boundaries (April–March, JST)."""
from datetime import date, datetime

import pytest

from consult.records import schedule


@pytest.mark.parametrize(("closed_utc", "years", "expiry"), [
    # 2021-03-31 23:59 JST: fiscal year 2020 → period starts 2021-04-01
    (datetime(2021, 3, 31, 14, 59), 1, date(2022, 3, 31)),
    # 2021-04-01 00:30 JST (still 3/31 in UTC): fiscal year 2021 → starts 2022-04-01
    (datetime(2021, 3, 31, 15, 30), 1, date(2023, 3, 31)),
    (datetime(2021, 12, 20, 3, 0), 3, date(2025, 3, 31)),
    (datetime(2022, 1, 5, 3, 0), 5, date(2027, 3, 31)),
    (datetime(2021, 5, 1, 3, 0), 30, date(2052, 3, 31)),
])
def test_expiry_counts_from_april_after_the_fiscal_year_of_completion(app, closed_utc, years, expiry):
    """満了日 is the day before 4/1 of (completion fiscal year + 1 + years)."""
    done = schedule.completed_on("closed", closed_utc, None)
    assert schedule.expires_on(done, years) == expiry


def test_permanent_and_open_records_never_expire(app):
    """常用 (None) and records not completed have no 満了日."""
    assert schedule.expires_on(date(2020, 5, 1), None) is None
    assert schedule.completed_on("in_progress", None, None) is None
    assert schedule.expires_on(None, 1) is None


def test_extension_and_start_mode(app):
    """延長 adds years; CONSULT_RETENTION_START=completion counts from the day after completion."""
    assert schedule.expires_on(date(2021, 6, 1), 1, extension_years=2) == date(2025, 3, 31)
    assert schedule.expires_on(date(2021, 6, 1), 1, mode="completion") == date(2022, 6, 1)
    app.config["CONSULT_RETENTION_START"] = "completion"
    assert schedule.expires_on(date(2021, 6, 1), 3) == date(2024, 6, 1)


def test_due_only_after_the_last_day(app):
    """On 満了日 itself a record is not yet due; the next day it is."""
    assert not schedule.is_due(date(2022, 3, 31), date(2022, 3, 31))
    assert schedule.is_due(date(2022, 3, 31), date(2022, 4, 1))
    assert not schedule.is_due(None, date(2099, 1, 1))
