"""Dashboard figures against hand-computed values on the fixed dataset (SQLite and PostgreSQL)."""
from datetime import date

import pytest

from consult.reports import queries, service, timings
from consult.reports.periods import resolve_period

from . import dataset

FY2026 = dict(kind="fy", today=date(2026, 8, 31))  # 2026-04-01 .. 2026-08-31, monthly


@pytest.fixture
def data(app, users):
    """The fixed dataset."""
    return dataset.build(users)


def fy2026():
    """The fiscal year 2026 up to 8/31."""
    return resolve_period(FY2026["kind"], today=FY2026["today"])


def test_fiscal_year_boundary_and_jst_month_buckets(data):
    """3/31 23:30 JST is FY2025; 4/1 08:00 JST (3/31 UTC) is April; 6/1 07:00 JST (5/31 UTC) is June."""
    d = service.dashboard(fy2026())
    flow = d["charts"]["flow"]
    assert flow.labels == ["2026年4月", "2026年5月", "2026年6月", "2026年7月", "2026年8月"]
    assert dict(flow.series)["受付"] == [2, 1, 2, 1, 0]
    assert dict(flow.series)["解決"] == [2, 1, 0, 0, 0]
    assert d["received_total"] == 6
    assert d["resolved_total"] == 3
    last = service.dashboard(resolve_period("last_fy", today=date(2026, 8, 31)))
    assert last["received_total"] == 1
    assert last["resolved_total"] == 0
    assert last["resolution"]["median"] is None


def test_backlog_at_end_of_each_month(data):
    """Open at month end: created before − resolved/closed/withdrawn before."""
    d = service.dashboard(fy2026())
    assert d["charts"]["backlog"].series[0][1] == [1, 1, 2, 3, 3]


def test_breakdowns(data):
    """部局, 課, category (未分類 for none) and resolution type (every type listed, 業務廃止 included)."""
    p = fy2026()
    b = queries.received_breakdown(p)
    assert b["top_departments"] == [("総務部", 4), ("土木部", 2)]
    assert b["departments"] == [("土木部 道路課", 2), ("総務部 人事課", 2), ("総務部 財政課", 2)]
    assert b["categories"] == [("未分類", 2), ("申請", 2), ("集計", 2)]
    assert queries.by_resolution_type(p) == [("ツール導入", 1), ("業務改善", 1), ("業務廃止", 1), ("情報提供", 0), ("対応不可", 0)]


def test_business_day_percentiles_and_sla(data):
    """First response [1, 0, 1, 1, 4] → median 1, p90 4, 4/5 in time; resolution [3, 5, 3] → 3, 5, 1/3."""
    p = fy2026()
    fr = timings.first_response(p)
    assert (fr["count"], fr["median"], fr["p90"], fr["met"], fr["with_due"]) == (5, 1, 4, 4, 5)
    res = timings.resolution(p)
    assert (res["count"], res["median"], res["p90"], res["met"], res["with_due"]) == (3, 3, 5, 1, 3)


def test_business_days_across_holidays():
    """Fri before 海の日 → Tue = 1; Fri before Golden Week → Thu 5/7 = 1, Mon 5/11 = 3; same day = 0."""
    assert timings.business_days(dataset.jst(2026, 7, 17, 16), dataset.jst(2026, 7, 21, 10)) == 1
    assert timings.business_days(dataset.jst(2026, 5, 1), dataset.jst(2026, 5, 7, 9)) == 1
    assert timings.business_days(dataset.jst(2026, 5, 1), dataset.jst(2026, 5, 11, 16)) == 3
    assert timings.business_days(dataset.jst(2026, 4, 1, 8), dataset.jst(2026, 4, 1, 17)) == 0


def test_percentile_nearest_rank():
    """Nearest rank on a histogram."""
    from collections import Counter

    assert timings.percentile(Counter({0: 1, 1: 3, 4: 1}), 50) == 1
    assert timings.percentile(Counter({0: 1, 1: 3, 4: 1}), 90) == 4
    assert timings.percentile(Counter(), 50) is None


def test_handler_load(data, users):
    """Open tickets per handler as main and backup; T5 is unassigned."""
    load = queries.handler_load()
    rows = {name: (m, b) for name, m, b in load["rows"]}
    assert rows[users["dx_staff"].name] == (1, 1)
    assert rows[users["dx_staff2"].name] == (1, 1)
    assert rows[users["admin"].name] == (0, 0)
    assert load["unassigned"] == 1
    assert load["open_total"] == 3


def test_hours_saved(data):
    """Resolved in FY2026: T1 50 + T2 200 (+ T3 without estimate); top cases exclude drafts."""
    h = queries.hours_saved(fy2026())
    assert (h["total"], h["estimated"]) == (250, 2)
    assert [r.number for r in h["top_tickets"]] == [data["tickets"]["T2"].number, data["tickets"]["T1"].number]
    assert [r.title for r in h["top_cases"]] == ["申請のオンライン化", "会議録の自動作成"]


def test_knowledge_use(data):
    """Searches, clicks, and sessions that clicked a suggestion and filed nothing (tok-b)."""
    k = queries.knowledge_use(fy2026())
    assert (k["searches"], k["suggest_lookups"], k["clicks"], k["click_sessions"], k["avoided"]) == (3, 2, 4, 2, 1)
    assert [c.title for c in k["most_viewed"]] == ["会議録の自動作成", "申請のオンライン化"]
    assert [c.title for c in k["most_helpful"]] == ["申請のオンライン化", "会議録の自動作成"]


def test_weekly_buckets_for_this_month(data):
    """This month up to 7/20: weeks from Monday 6/29; T4 (Fri 7/17) in the week of 7/13."""
    p = resolve_period("month", today=date(2026, 7, 20))
    assert p.unit == "week"
    d = service.dashboard(p)
    flow = d["charts"]["flow"]
    assert flow.labels == ["6月29日の週", "7月6日の週", "7月13日の週", "7月20日の週"]
    assert dict(flow.series)["受付"] == [0, 0, 1, 0]
    assert d["charts"]["backlog"].series[0][1] == [2, 2, 3, 3]


def test_empty_period_gives_zeros(data):
    """A period without data: zeros and empty breakdowns, no error."""
    d = service.dashboard(resolve_period("custom", date(2031, 1, 1), date(2031, 1, 31)))
    assert d["received_total"] == d["resolved_total"] == 0
    assert d["charts"]["top_departments"].empty
    assert d["first_response"]["median"] is None
    assert d["first_response"]["share"] is None
    assert d["knowledge"]["avoided"] == 0


def test_empty_database(app):
    """Nothing at all in the database."""
    d = service.dashboard(resolve_period("fy", today=date(2026, 5, 1)))
    assert d["received_total"] == 0
    assert d["charts"]["backlog"].series[0][1] == [0] * 5  # 4/1–5/1: five weeks
