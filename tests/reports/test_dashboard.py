"""The 実績 page: access, period selector, invalid input (400, never 500), empty periods, 和暦."""
import re
from datetime import date

import pytest

from consult.reports.periods import resolve_period

from . import dataset

CUSTOM = "/reports/?period=custom&start=2026-04-01&end=2026-08-31"


@pytest.mark.parametrize("login,status", [("req", 403), ("dx", 200), ("admin", 200)])
def test_only_staff(client, auth, users, login, status):
    """Requesters get 403; DX staff and admins see the dashboard."""
    auth.login(login)
    assert client.get("/reports/").status_code == status


def test_dashboard_shows_figures_and_accessible_charts(client, auth, users):
    """Figures of the dataset; every chart is an svg role=img with title/desc followed by a table."""
    dataset.build(users)
    auth.login("dx")
    response = client.get(CUSTOM)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2026年4月1日〜2026年8月31日" in html
    assert "250時間／年" in html
    assert "業務廃止" in html
    assert "80.0%（4／5件）" in html
    assert 'style="' not in html and "<script>" not in html
    svgs = re.findall(r"<svg[^>]*>", html)
    assert len(svgs) >= 6
    assert all('role="img"' in s and "aria-labelledby" in s for s in svgs)
    assert html.count("<details") >= len(svgs)
    assert "<caption>" in html and 'scope="col"' in html
    assert "相談に至らなかった" in html  # consultations avoided, with its definition


def test_empty_period_shows_no_data(client, auth, users):
    """A period with nothing: zeros and 「データがありません」, status 200."""
    auth.login("dx")
    response = client.get("/reports/?period=custom&start=2031-01-01&end=2031-01-31")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "データがありません" in html
    assert "0件" in html


@pytest.mark.parametrize("query,message", [
    ("period=custom&start=2026-02-30&end=2026-03-31", "実在する日付"),
    ("period=custom&start=abc&end=2026-03-31", "実在する日付"),
    ("period=custom&start=&end=2026-03-31", "開始日を入力してください"),
    ("period=custom&start=2026-04-01&end=2026-03-01", "終了日は開始日"),
    ("period=custom&start=1900-01-01&end=2026-03-01", "2000年1月1日から"),
    ("period=custom&start=2001-01-01&end=2026-03-01", "10年以内"),
    ("period=yesterday", "一覧から選んで"),
])
def test_invalid_period_is_400_with_message(client, auth, users, query, message):
    """Bad dates: Japanese message in the error summary, the typed value kept, status 400."""
    auth.login("dx")
    response = client.get(f"/reports/?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert "入力内容を確認してください" in html
    if "abc" in query:
        assert 'value="abc"' in html


def test_slash_dates_are_accepted(client, auth, users):
    """2026/4/1 is a date too."""
    auth.login("dx")
    assert client.get("/reports/?period=custom&start=2026/4/1&end=2026/4/30").status_code == 200


@pytest.mark.parametrize("period", ["month", "fy", "last_fy"])
def test_preset_periods(client, auth, users, period):
    """Every preset renders."""
    auth.login("admin")
    assert client.get(f"/reports/?period={period}").status_code == 200


def test_wareki_labels(client, auth, users):
    """With 和暦 on, the fiscal year reads 令和8年度 and dates 令和8年…."""
    auth.login("dx")
    client.post("/preferences/wareki", data={"next": "/reports/"})
    html = client.get("/reports/?period=custom&start=2026-04-01&end=2027-03-31").get_data(as_text=True)
    assert "令和8年4月1日〜令和9年3月31日" in html
    assert resolve_period("last_fy", today=date(2026, 5, 1), wareki=True).label == "令和7年度"
    assert resolve_period("fy", today=date(2026, 5, 1)).label.startswith("2026年度")
