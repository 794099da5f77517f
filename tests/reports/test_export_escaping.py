"""Small export fixes of audit finding 12: one charset in the CSV Content-Type; XLSX text cells as typed (no
leading apostrophe — they are strings, never formulas); CSV cells starting with full-width ＝, a BOM or a control
character neutralised like = + - @."""
import csv
import io
import zipfile

import openpyxl
import pytest

from tests import factories

TRICKY = ["＝SUM(A1:A9)", "＋1", "－1", "＠SUM(A1)", "\ufeff=1+1", "\x01=1+1", "=HYPERLINK(\"http://evil\")"]


@pytest.fixture
def tricky(app, users):
    return [factories.make_ticket(users["requester"], title=t, problem="本文") for t in TRICKY]


@pytest.mark.parametrize("url", ["/reports/export/tickets.csv", "/reports/export/cases.csv"])
def test_csv_charset_once(client, auth, users, url):
    auth.login("dx")
    response = client.get(url)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_csv_neutralises_full_width_bom_and_controls(client, auth, tricky):
    auth.login("dx")
    raw = client.get("/reports/export/tickets.csv?f=1").get_data().decode("utf-8-sig")
    titles = [r[1] for r in list(csv.reader(io.StringIO(raw)))[1:]]
    assert len(titles) == len(TRICKY)
    for title in titles:
        assert title.startswith("'"), title


def test_xlsx_text_is_text_without_apostrophe(client, auth, tricky):
    auth.login("dx")
    data = client.get("/reports/export/tickets.xlsx?f=1").get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no formula anywhere
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [row[1] for row in ws.iter_rows(min_row=2)]
    assert {c.value for c in cells} == {"＝SUM(A1:A9)", "＋1", "－1", "＠SUM(A1)", "\ufeff=1+1", "=1+1",
                                        "=HYPERLINK(\"http://evil\")"}
    assert all(c.data_type == "s" for c in cells)
