"""実績: typed dates switch to 期間を指定, exports follow the selected period, new ticket columns, an in-page index."""
import csv
import io
import re

import openpyxl
import pytest

from tests import factories

from . import dataset


@pytest.fixture
def data(app, users):
    """The fixed report dataset (T1 received 2026-03-31 JST, T2 on 2026-04-01 08:00 JST …)."""
    return dataset.build(users)


def _csv(response) -> list[list[str]]:
    """Parse a CSV download."""
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def _selected_period(html: str) -> str:
    """The value of the selected option of the 期間 select."""
    select = re.search(r'<select[^>]*id="period".*?</select>', html, re.S).group(0)
    return re.search(r'<option selected value="([^"]+)"', select).group(1)


def test_typed_dates_switch_to_custom(client, auth, data):
    """Dates typed while 今年度 is selected are used (and the page says so) instead of being ignored."""
    auth.login("dx")
    html = client.get("/reports/?period=fy&start=2026-04-01&end=2026-04-30").get_data(as_text=True)
    assert _selected_period(html) == "custom"
    assert "「期間を指定」に切り替えました" in html
    assert "2026年4月1日" in html and "2026年4月30日" in html


def test_shown_dates_do_not_override_the_chosen_period(client, auth, data):
    """Going back from a custom range to 今年度 without touching the dates keeps 今年度."""
    auth.login("dx")
    html = client.get("/reports/?period=fy&start=2026-04-01&end=2026-04-30"
                      "&shown_start=2026-04-01&shown_end=2026-04-30").get_data(as_text=True)
    assert _selected_period(html) == "fy"
    assert "切り替えました" not in html


def test_exports_carry_and_follow_the_selected_period(client, auth, data, users):
    """The export buttons carry the period; only tickets received in it are exported."""
    auth.login("dx")
    html = client.get("/reports/?period=custom&start=2026-04-01&end=2026-04-30").get_data(as_text=True)
    form = html[html.index('action="/reports/export/tickets.csv"'):]
    form = form[:form.index("</form>")]
    assert 'name="period" value="custom"' in form and 'name="start" value="2026-04-01"' in form
    assert "/reports/export/cases.csv?period=custom&amp;start=2026-04-01&amp;end=2026-04-30" in html
    rows = _csv(client.get("/reports/export/tickets.csv?f=1&period=custom&start=2026-04-01&end=2026-04-30"))
    numbers = {r[0] for r in rows[1:]}
    tickets = data["tickets"]
    assert numbers == {tickets["T2"].number, tickets["T7"].number}  # T1 was received on 3/31 JST
    every = _csv(client.get("/reports/export/tickets.csv?f=1"))
    assert len(every) - 1 >= 7  # without a period: everything, as before
    book = openpyxl.load_workbook(io.BytesIO(client.get(
        "/reports/export/tickets.xlsx?f=1&period=custom&start=2026-04-01&end=2026-04-30").get_data()))
    assert book.active.max_row == 1 + 2
    bad = client.get("/reports/export/tickets.csv?f=1&period=custom&start=2026-04-31&end=2026-05-01")
    assert bad.status_code == 400 and "実在する日付" in bad.get_data(as_text=True)


def test_case_export_follows_the_period(client, auth, users):
    """Cases published in the period only."""
    from datetime import datetime

    factories.make_case(title="古い事例", published_at=datetime(2024, 5, 1, 3))
    factories.make_case(title="今年の事例", published_at=datetime(2026, 5, 1, 3))
    auth.login("dx")
    rows = _csv(client.get("/reports/export/cases.csv?period=custom&start=2026-04-01&end=2027-03-31"))
    titles = [r[1] for r in rows[1:]]
    assert titles == ["今年の事例"]


def test_ticket_exports_have_purpose_current_process_and_cause(client, auth, users):
    """業務の目的, 現在のやり方 and 原因 are exported (CSV and xlsx), with 解決方法の種類 as the header."""
    t = factories.make_ticket(users["requester"], purpose="給与の支給", current_process="紙で回覧",
                              root_cause="様式が二重", status="resolved", resolution_type="業務改善",
                              resolution_summary="様式を統一")
    auth.login("dx")
    rows = _csv(client.get("/reports/export/tickets.csv?f=1"))
    row = dict(zip(rows[0], next(r for r in rows[1:] if r[0] == t.number), strict=True))
    assert (row["業務の目的"], row["現在のやり方"], row["原因"], row["解決方法の種類"]) == ("給与の支給", "紙で回覧", "様式が二重", "業務改善")
    book = openpyxl.load_workbook(io.BytesIO(client.get("/reports/export/tickets.xlsx?f=1").get_data()))
    header = [c.value for c in book.active[1]]
    assert {"業務の目的", "現在のやり方", "原因"} <= set(header)


def test_dashboard_has_an_index_of_its_sections(client, auth, data):
    """Every link of the in-page index points at a heading of the page."""
    auth.login("dx")
    html = client.get("/reports/").get_data(as_text=True)
    nav = re.search(r'<nav class="report-index".*?</nav>', html, re.S).group(0)
    targets = re.findall(r'href="#([^"]+)"', nav)
    assert len(targets) == 8
    for target in targets:
        assert re.search(rf'<h2 id="{target}"', html), target
