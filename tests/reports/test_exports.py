"""CSV (UTF-8 with BOM) and .xlsx exports: Japanese headers, every row, no formulas, internal notes only on request."""
import csv
import io

import openpyxl
import pytest

from models import AuditEvent, db
from tests import factories

from . import dataset

URLS = ["/reports/export/tickets.csv", "/reports/export/tickets.xlsx", "/reports/export/cases.csv", "/reports/export/cases.xlsx"]


@pytest.fixture
def data(app, users):
    """The fixed dataset, a formula-like title and comments (public and internal)."""
    built = dataset.build(users)
    t1 = built["tickets"]["T1"]
    factories.make_comment(t1, users["dx_staff"], body="公開の返信です")
    factories.make_comment(t1, users["dx_staff"], body="内部メモ：課長に確認済み", internal=True)
    factories.make_comment(t1, users["dx_staff"], body="=2つ目の内部メモ", internal=True)
    factories.make_ticket(users["requester"], title="=HYPERLINK(\"http://evil\")", problem="@SUM(A1)")
    factories.make_case(title="-危険な件名")
    return built


def _csv(response) -> list[list[str]]:
    """Parse a CSV download (checking the BOM)."""
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.mark.parametrize("url", URLS)
def test_requesters_get_403(client, auth, users, url):
    """Exports are for DX staff and admins only."""
    auth.login("req")
    assert client.get(url).status_code == 403


def test_tickets_csv(client, auth, data):
    """BOM, Japanese header, one line per ticket, JST datetimes, labels, formula protection."""
    auth.login("dx")
    response = client.get("/reports/export/tickets.csv?f=1")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response)
    header = rows[0]
    assert header[:3] == ["番号", "件名", "状態"] and "内部メモ" not in header
    assert len(rows) == 1 + 8
    by_number = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    t1 = by_number[data["tickets"]["T1"].number]
    assert t1["受付日時"] == "2026/03/31 23:30"
    assert t1["状態"] == "完了" and t1["部局"] == "総務部" and t1["所属"] == "人事課"
    assert t1["公開コメント数"] == "1"
    assert t1["初回回答期限"] == "2026/04/01"
    text = response.get_data(as_text=True)
    assert "内部メモ：課長に確認済み" not in text
    evil = next(r for r in rows if "HYPERLINK" in r[1])
    assert evil[1].startswith("'=") and dict(zip(header, evil, strict=True))["困りごと"] == "'@SUM(A1)"


def test_internal_notes_only_on_request(client, auth, data):
    """include_internal adds a column with the notes, oldest first, formula-safe."""
    auth.login("dx")
    rows = _csv(client.get("/reports/export/tickets.csv?f=1&include_internal=y"))
    assert rows[0][-1] == "内部メモ"
    t1 = next(r for r in rows if r[0] == data["tickets"]["T1"].number)
    assert t1[-1].startswith("内部メモ：課長に確認済み") and "=2つ目の内部メモ" in t1[-1]
    assert "公開の返信です" not in t1[-1]
    assert db.session.query(AuditEvent).filter_by(action="export").count() == 1


def test_queue_filters_apply(client, auth, data):
    """The queue's filters narrow the export: status=new; no filter at all = the queue's default (open)."""
    auth.login("dx")
    rows = _csv(client.get("/reports/export/tickets.csv?status=new"))
    assert {r[2] for r in rows[1:]} == {"新規"} and len(rows) == 1 + 2
    rows = _csv(client.get("/reports/export/tickets.csv"))
    assert {r[2] for r in rows[1:]} == {"新規", "対応中", "回答待ち"}
    rows = _csv(client.get(f"/reports/export/tickets.csv?f=1&department={data['depts']['doro'].id}"))
    assert {r[4] for r in rows[1:]} == {"道路課"} and len(rows) == 1 + 2


def test_tickets_xlsx(client, auth, data):
    """The workbook opens with openpyxl and has every row; dates are real dates; formulas are text."""
    auth.login("admin")
    response = client.get("/reports/export/tickets.xlsx?f=1&include_internal=y")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "番号" and rows[0][-1] == "内部メモ"
    assert len(rows) == 1 + 8
    t1 = next(r for r in rows if r[0] == data["tickets"]["T1"].number)
    assert t1[11].strftime("%Y-%m-%d %H:%M") == "2026-03-31 23:30"
    evil = next(r for r in ws.iter_rows(min_row=2) if "HYPERLINK" in str(r[1].value))
    assert evil[1].value == '=HYPERLINK("http://evil")' and evil[1].data_type == "s"  # text as typed, not a formula


def test_cases_exports(client, auth, data):
    """Every case (drafts included, staff only), CSV and xlsx."""
    auth.login("dx")
    rows = _csv(client.get("/reports/export/cases.csv"))
    assert rows[0][:2] == ["事例番号", "件名"]
    assert len(rows) == 1 + 4
    assert any(r[1] == "'-危険な件名" for r in rows)
    assert any(r[2] == "下書き" for r in rows)
    wb = openpyxl.load_workbook(io.BytesIO(client.get("/reports/export/cases.xlsx").get_data()))
    assert wb.active.max_row == 5


def test_empty_exports(client, auth, users):
    """No tickets: just the header."""
    auth.login("dx")
    assert len(_csv(client.get("/reports/export/tickets.csv?f=1"))) == 1
