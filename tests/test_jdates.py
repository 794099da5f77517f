"""Tests for consult.jdates."""

from datetime import UTC, date, datetime

import pytest

from consult.jdates import (
    fiscal_year,
    fiscal_year_range,
    format_date,
    format_datetime,
    format_fiscal_year,
    wareki_year,
    weekday_label,
)


@pytest.mark.parametrize(
    "d, seireki, wareki",
    [
        (date(2026, 11, 29), "2026年11月29日", "令和8年11月29日"),
        (date(2019, 5, 1), "2019年5月1日", "令和元年5月1日"),
        (date(2019, 4, 30), "2019年4月30日", "平成31年4月30日"),
        (date(2019, 12, 31), "2019年12月31日", "令和元年12月31日"),
        (date(2020, 1, 1), "2020年1月1日", "令和2年1月1日"),
        (date(1989, 1, 8), "1989年1月8日", "平成元年1月8日"),
        (date(1989, 1, 7), "1989年1月7日", "昭和64年1月7日"),
        (date(1990, 1, 1), "1990年1月1日", "平成2年1月1日"),
    ],
)
def test_format_date(d, seireki, wareki):
    assert format_date(d) == seireki
    assert format_date(d, wareki=True) == wareki


def test_format_date_none_and_weekday():
    assert format_date(None) == ""
    assert format_date(date(2026, 11, 29), weekday=True) == "2026年11月29日(日)"


def test_format_date_datetime_is_converted_to_jst():
    assert format_date(datetime(2019, 4, 30, 15, 0), wareki=True) == "令和元年5月1日"
    assert format_date(datetime(2019, 4, 30, 14, 59), wareki=True) == "平成31年4月30日"


def test_wareki_year():
    assert wareki_year(date(2019, 5, 1)) == "令和元年"
    assert wareki_year(date(2026, 1, 1)) == "令和8年"
    assert wareki_year(date(1800, 1, 1)) is None
    assert format_date(date(1800, 1, 1), wareki=True) == "1800年1月1日"


@pytest.mark.parametrize(
    "d, label",
    [
        (date(2026, 11, 29), "(日)"),
        (date(2026, 11, 30), "(月)"),
        (date(2026, 12, 1), "(火)"),
        (date(2026, 12, 2), "(水)"),
        (date(2026, 12, 3), "(木)"),
        (date(2026, 12, 4), "(金)"),
        (date(2026, 12, 5), "(土)"),
    ],
)
def test_weekday_label(d, label):
    assert weekday_label(d) == label
    assert weekday_label(d, parens=False) == label[1]


class TestFormatDatetime:
    def test_basic_jst(self):
        assert format_datetime(datetime(2026, 11, 29, 5, 5)) == "2026年11月29日 14:05"

    def test_across_midnight_utc(self):
        # 15:00 UTC on 11/29 is 00:00 JST on 11/30.
        assert format_datetime(datetime(2026, 11, 29, 15, 0)) == "2026年11月30日 00:00"
        assert format_datetime(datetime(2026, 11, 29, 14, 59)) == "2026年11月29日 23:59"

    def test_new_year_and_era_boundary(self):
        assert format_datetime(datetime(2026, 12, 31, 15, 0)) == "2027年1月1日 00:00"
        assert (
            format_datetime(datetime(2019, 4, 30, 15, 0), wareki=True)
            == "令和元年5月1日 00:00"
        )
        assert (
            format_datetime(datetime(2019, 4, 30, 14, 59), wareki=True)
            == "平成31年4月30日 23:59"
        )

    def test_weekday_option(self):
        assert (
            format_datetime(datetime(2026, 11, 29, 15, 0), weekday=True)
            == "2026年11月30日(月) 00:00"
        )

    def test_aware_input_and_none(self):
        aware = datetime(2026, 11, 29, 5, 5, tzinfo=UTC)
        assert format_datetime(aware) == "2026年11月29日 14:05"
        assert format_datetime(None) == ""


class TestFiscalYear:
    @pytest.mark.parametrize(
        "d, fy",
        [
            (date(2026, 3, 31), 2025),
            (date(2026, 4, 1), 2026),
            (date(2026, 12, 31), 2026),
            (date(2027, 1, 1), 2026),
            (date(2027, 3, 31), 2026),
            (date(2027, 4, 1), 2027),
        ],
    )
    def test_boundaries(self, d, fy):
        assert fiscal_year(d) == fy

    def test_datetime_uses_jst(self):
        # 2026-03-31 15:00 UTC is 2026-04-01 00:00 JST → FY2026.
        assert fiscal_year(datetime(2026, 3, 31, 15, 0)) == 2026
        assert fiscal_year(datetime(2026, 3, 31, 14, 59)) == 2025

    def test_range(self):
        assert fiscal_year_range(2026) == (date(2026, 4, 1), date(2027, 3, 31))
        start, end = fiscal_year_range(2026)
        assert fiscal_year(start) == fiscal_year(end) == 2026

    @pytest.mark.parametrize(
        "fy, seireki, wareki",
        [
            (2026, "2026年度", "令和8年度"),
            (2019, "2019年度", "令和元年度"),
            (2018, "2018年度", "平成30年度"),
            (1989, "1989年度", "平成元年度"),
            (1988, "1988年度", "昭和63年度"),
        ],
    )
    def test_format_fiscal_year(self, fy, seireki, wareki):
        assert format_fiscal_year(fy) == seireki
        assert format_fiscal_year(fy, wareki=True) == wareki
