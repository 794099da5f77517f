"""Tests for consult.businessdays."""

from datetime import date, datetime, timedelta

import pytest

from consult.businessdays import (
    EPOCH,
    JST,
    add_business_days,
    business_day_ordinal,
    business_days_between,
    due_date,
    holidays_in_year,
    is_business_day,
    to_jst,
    to_jst_date,
)


def _brute_between(a: date, b: date) -> int:
    """Count business days d with a < d <= b the slow way."""
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    n, d = 0, a
    while d < b:
        d += timedelta(days=1)
        n += is_business_day(d)
    return sign * n


@pytest.mark.parametrize(
    "d, expected",
    [
        (date(2026, 11, 27), True),  # Fri
        (date(2026, 11, 28), False),  # Sat
        (date(2026, 11, 29), False),  # Sun
        (date(2026, 11, 30), True),  # Mon
        (date(2026, 1, 12), False),  # 成人の日
        (date(2026, 2, 11), False),  # 建国記念の日
        (date(2026, 2, 23), False),  # 天皇誕生日
        (date(2026, 3, 20), False),  # 春分の日
        (date(2026, 4, 29), False),  # 昭和の日
        (date(2026, 5, 4), False),  # みどりの日
        (date(2026, 5, 5), False),  # こどもの日
        (date(2026, 5, 6), False),  # 振替休日 (憲法記念日 fell on Sunday)
        (date(2026, 5, 7), True),
        (date(2026, 7, 20), False),  # 海の日
        (date(2026, 8, 11), False),  # 山の日
        (date(2026, 9, 21), False),  # 敬老の日
        (date(2026, 9, 22), False),  # 国民の休日 (sandwiched)
        (date(2026, 9, 23), False),  # 秋分の日
        (date(2026, 9, 24), True),
        (date(2026, 10, 12), False),  # スポーツの日
        (date(2026, 11, 3), False),  # 文化の日
        (date(2026, 11, 23), False),  # 勤労感謝の日
        (date(2019, 10, 22), False),  # 即位礼正殿の儀 (one-off)
        (date(2019, 5, 1), False),  # 天皇の即位の日
    ],
)
def test_is_business_day_weekends_and_holidays(d, expected):
    assert is_business_day(d) is expected


@pytest.mark.parametrize(
    "d, expected",
    [
        (date(2026, 12, 28), True),  # Mon, last working day
        (date(2026, 12, 29), False),
        (date(2026, 12, 30), False),
        (date(2026, 12, 31), False),
        (date(2027, 1, 1), False),
        (date(2027, 1, 2), False),
        (date(2027, 1, 3), False),
        (date(2027, 1, 4), True),  # Mon, 仕事始め
        (date(2025, 12, 29), False),  # a Monday, still closed
        (date(2026, 1, 2), False),  # a Friday, still closed
        (date(2026, 1, 5), True),
    ],
)
def test_year_end_closure(d, expected):
    assert is_business_day(d) is expected


def test_holidays_in_year_contains_substitute_and_citizens_holiday():
    hol = holidays_in_year(2026)
    assert date(2026, 5, 6) in hol
    assert date(2026, 9, 22) in hol
    assert holidays_in_year(2026) is hol  # cached


def test_is_business_day_accepts_naive_utc_datetime_on_jst_calendar():
    # 2026-11-29 (Sun) 16:00 UTC is Mon 2026-11-30 01:00 JST.
    assert is_business_day(datetime(2026, 11, 29, 16, 0)) is True
    assert is_business_day(datetime(2026, 11, 29, 14, 59)) is False


class TestAddBusinessDays:
    def test_simple_weekdays(self):
        assert add_business_days(date(2026, 11, 24), 3) == date(2026, 11, 27)

    def test_over_weekend(self):
        assert add_business_days(date(2026, 11, 27), 1) == date(2026, 11, 30)

    def test_zero_on_business_day_returns_start(self):
        assert add_business_days(date(2026, 11, 27), 0) == date(2026, 11, 27)

    def test_zero_on_weekend_returns_next_business_day(self):
        assert add_business_days(date(2026, 11, 28), 0) == date(2026, 11, 30)

    def test_start_on_weekend_counts_from_next_business_day(self):
        assert add_business_days(date(2026, 11, 28), 1) == date(2026, 12, 1)

    def test_golden_week(self):
        # Thu 4/30 + 1 → Fri 5/1; + 2 → Thu 5/7 (5/2-5/6 all off in 2026).
        assert add_business_days(date(2026, 4, 30), 1) == date(2026, 5, 1)
        assert add_business_days(date(2026, 4, 30), 2) == date(2026, 5, 7)

    def test_across_new_year(self):
        # Mon 12/28 + 1 → Mon 1/4 (closure 12/29–1/3 + weekend).
        assert add_business_days(date(2026, 12, 28), 1) == date(2027, 1, 4)
        assert add_business_days(date(2026, 12, 25), 3) == date(2027, 1, 5)
        assert add_business_days(date(2026, 12, 30), 0) == date(2027, 1, 4)

    def test_negative_goes_backwards(self):
        assert add_business_days(date(2027, 1, 4), -1) == date(2026, 12, 28)
        assert add_business_days(date(2026, 5, 7), -1) == date(2026, 5, 1)

    def test_consistent_with_ordinal(self):
        start = date(2026, 12, 1)  # covers 年末年始 and winter holidays
        for i in range(75):
            d = start + timedelta(days=i)
            for n in (1, 5, 20):
                res = add_business_days(d, n)
                assert is_business_day(res)
                base = business_day_ordinal(d) + (0 if is_business_day(d) else 1)
                assert business_day_ordinal(res) == base + n


class TestBusinessDaysBetween:
    def test_equal_is_zero(self):
        assert business_days_between(date(2026, 11, 27), date(2026, 11, 27)) == 0
        assert (
            business_days_between(datetime(2026, 11, 27, 1), datetime(2026, 11, 27, 5))
            == 0
        )

    def test_next_day(self):
        assert business_days_between(date(2026, 11, 26), date(2026, 11, 27)) == 1

    def test_over_weekend(self):
        assert business_days_between(date(2026, 11, 27), date(2026, 11, 30)) == 1
        assert business_days_between(date(2026, 11, 27), date(2026, 11, 29)) == 0

    def test_silver_week_holiday_weekend(self):
        # Fri 9/18 → Thu 9/24: 9/19-9/23 is Sat, Sun, 敬老の日, 国民の休日, 秋分の日.
        assert business_days_between(date(2026, 9, 18), date(2026, 9, 24)) == 1

    def test_golden_week(self):
        # Fri 5/1 → Thu 5/7 across Sat/Sun/5-4/5-5/振替休日 5-6.
        assert business_days_between(date(2026, 5, 1), date(2026, 5, 7)) == 1

    def test_across_new_year(self):
        assert business_days_between(date(2026, 12, 28), date(2027, 1, 4)) == 1

    def test_negative_when_reversed(self):
        assert business_days_between(date(2026, 11, 30), date(2026, 11, 27)) == -1

    def test_datetimes_use_jst_date(self):
        # 2026-11-26 15:30 UTC = 11-27 00:30 JST (Fri); 2026-11-29 15:30 UTC = 11-30 JST (Mon).
        assert (
            business_days_between(
                datetime(2026, 11, 26, 15, 30), datetime(2026, 11, 29, 15, 30)
            )
            == 1
        )
        # Same instants interpreted on UTC dates would have given 2.
        assert business_days_between(date(2026, 11, 26), date(2026, 11, 29)) == 1
        assert business_days_between(date(2026, 11, 25), date(2026, 11, 29)) == 2

    def test_mixed_date_and_datetime(self):
        assert (
            business_days_between(date(2026, 11, 27), datetime(2026, 11, 30, 3, 0)) == 1
        )

    @pytest.mark.parametrize(
        "a, b",
        [
            (date(2019, 12, 20), date(2020, 1, 10)),  # across EPOCH
            (date(2015, 3, 3), date(2016, 8, 9)),  # entirely before EPOCH
            (date(2025, 12, 1), date(2027, 2, 1)),
            (date(2019, 4, 1), date(2019, 11, 30)),
        ],
    )
    def test_matches_brute_force(self, a, b):
        assert business_days_between(a, b) == _brute_between(a, b)
        assert business_days_between(b, a) == -_brute_between(a, b)


def test_ordinal_epoch_and_monotonic():
    assert EPOCH == date(2020, 1, 1)
    assert business_day_ordinal(EPOCH - timedelta(days=1)) == 0  # 2019-12-31 closed
    assert business_day_ordinal(date(2020, 1, 3)) == 0  # closure + weekend
    assert business_day_ordinal(date(2020, 1, 6)) == 1  # first business day of 2020
    assert business_day_ordinal(date(2019, 12, 27)) == 0  # last business day of 2019
    assert business_day_ordinal(date(2019, 12, 26)) == -1
    prev = business_day_ordinal(date(2026, 1, 1))
    for i in range(1, 366):
        d = date(2026, 1, 1) + timedelta(days=i)
        cur = business_day_ordinal(d)
        assert cur - prev == (1 if is_business_day(d) else 0)
        prev = cur


def test_ordinal_is_fast_enough_for_reports():
    import time

    t0 = time.perf_counter()
    for i in range(20000):
        business_days_between(
            date(2025, 4, 1) + timedelta(days=i % 700), date(2027, 3, 31)
        )
    assert time.perf_counter() - t0 < 2.0


def test_to_jst_and_to_jst_date():
    jst = to_jst(datetime(2026, 11, 29, 15, 0))
    assert jst.tzinfo is JST
    assert (jst.year, jst.month, jst.day, jst.hour) == (2026, 11, 30, 0)
    assert to_jst_date(datetime(2026, 11, 29, 14, 59)) == date(2026, 11, 29)
    assert to_jst_date(date(2026, 11, 29)) == date(2026, 11, 29)
    aware = datetime(2026, 11, 29, 23, 0, tzinfo=JST)
    assert to_jst(aware) == aware


class TestDueDate:
    def test_business_morning(self):
        # Thu 2026-11-26 10:00 JST + 3 → Tue 12-01.
        assert due_date(datetime(2026, 11, 26, 1, 0), 3) == date(2026, 12, 1)

    def test_utc_evening_is_next_jst_day(self):
        # 2026-11-26 16:00 UTC = Fri 11-27 01:00 JST; + 1 → Mon 11-30.
        assert due_date(datetime(2026, 11, 26, 16, 0), 1) == date(2026, 11, 30)

    def test_created_during_closure(self):
        # Created 12-30 JST: counting starts at 1/4; + 2 → 1/6.
        assert due_date(datetime(2026, 12, 30, 3, 0), 2) == date(2027, 1, 6)

    def test_zero_days(self):
        assert due_date(datetime(2026, 11, 28, 3, 0), 0) == date(2026, 11, 30)
