"""Intake form 相談する: validation, refilling, filing, numbering and due dates."""
import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from consult.businessdays import due_date
from models import AuditEvent, Ticket, TicketDraft, db
from tests import factories

from .helpers import PDF, intake_data, upload


def _tickets():
    return list(db.session.scalars(select(Ticket)))


def test_form_requires_login(client):
    response = client.get("/tickets/new")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_form_shows_fields_in_purpose_first_order(client, auth, users):
    auth.login("req")
    html = client.get("/tickets/new").get_data(as_text=True)
    order = ["件名", "業務の目的", "現在のやり方", "困っていること", "目指したい状態", "頻度", "月あたりの作業時間", "緊急度", "個人情報を含むか", "分類", "添付ファイル"]
    positions = [html.index(f">{label}") for label in order]
    assert positions == sorted(positions)
    assert 'id="suggestions"' in html and 'data-suggest-url="/cases/suggest"' in html and 'aria-live="polite"' in html
    assert re.search(r'name="intake_token"[^>]*value="[\w-]{20,}"', html) or re.search(r'value="[\w-]{20,}"[^>]*name="intake_token"', html)
    assert "js/intake.js" in html
    assert "style=" not in html and "<script>" not in html and "onclick" not in html


def test_missing_fields_give_japanese_messages_and_keep_input(client, auth, users):
    auth.login("req")
    response = client.post("/tickets/new", data=intake_data(purpose="", problem="", contains_personal_info="", title="残してほしい件名"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "入力内容を確認してください" in html
    assert "業務の目的を入力してください" in html
    assert "困っていることを入力してください" in html
    assert "個人情報を含むかどうかを選択してください" in html
    assert 'value="残してほしい件名"' in html
    assert "録音を聞きながら手で文字起こししている" in html
    assert _tickets() == []


@pytest.mark.parametrize(
    ("hours", "message"),
    [("abc", "数字で入力してください"), ("-1", "0から744までの数字で入力してください"), ("745", "0から744までの数字で入力してください"),
     ("1.25", "小数点以下は1桁までにしてください"), ("NaN", "数字で入力してください")],
)
def test_hours_per_month_is_checked(client, auth, users, hours, message):
    auth.login("req")
    response = client.post("/tickets/new", data=intake_data(hours_per_month=hours))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_other_frequency_needs_text(client, auth, users):
    auth.login("req")
    response = client.post("/tickets/new", data=intake_data(frequency="その他"))
    assert response.status_code == 422
    assert "「その他」を選んだときは頻度を入力してください" in response.get_data(as_text=True)
    response = client.post("/tickets/new", data=intake_data(frequency="その他", frequency_other="四半期ごと"), follow_redirects=True)
    assert response.status_code == 200
    assert _tickets()[0].frequency == "四半期ごと"


def test_tampered_choices_are_refused_in_japanese(client, auth, users):
    auth.login("req")
    response = client.post("/tickets/new", data=intake_data(urgency="extreme", category="999", frequency="毎秒"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "緊急度を選択してください" in html and "分類を一覧から選択してください" in html and "頻度を一覧から選択してください" in html
    assert "Not a valid" not in html


def test_attachment_names_are_listed_for_reselection(client, auth, users):
    auth.login("req")
    data = intake_data(title="")
    data["attachments"] = [upload(PDF, "業務フロー.pdf")]
    response = client.post("/tickets/new", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "添付ファイルはもう一度選択してください" in html
    assert "業務フロー.pdf" in html


def test_filing_creates_ticket_with_number_due_dates_audit_and_redirect(app, client, auth, users):
    category = factories.make_category("集計・データ処理")
    auth.login("req")
    data = intake_data(hours_per_month="１２．５", urgency="high", category=str(category.id), contains_personal_info="yes")
    data["attachments"] = [upload(PDF, "現在の様式.pdf")]
    response = client.post("/tickets/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    [ticket] = _tickets()
    assert response.headers["Location"].endswith(f"/tickets/{ticket.number}")
    assert re.fullmatch(rf"DX-{ticket.created_at.year}-0001", ticket.number)
    assert ticket.status == "new"
    assert ticket.department_id == users["requester"].department_id
    assert ticket.requester_id == users["requester"].id
    assert ticket.hours_per_month == 12.5
    assert ticket.contains_personal_info is True
    assert ticket.category_id == category.id
    assert ticket.priority == "high"
    first, resolve = app.config["CONSULT_SLA"]["high"]
    assert ticket.first_response_due == due_date(ticket.created_at, first)
    assert ticket.resolution_due == due_date(ticket.created_at, resolve)
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert [a for a in actions if a != "user.login"][:2] == ["ticket.created", "attachment.added"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "相談を受け付けました" in page and ticket.number in page and "現在の様式.pdf" in page


def test_numbers_increase_and_double_submit_files_once(client, auth, users):
    auth.login("req")
    client.post("/tickets/new", data=intake_data(intake_token="tok-1"))
    client.post("/tickets/new", data=intake_data(intake_token="tok-1"))
    client.post("/tickets/new", data=intake_data(intake_token="tok-2"))
    numbers = sorted(t.number for t in _tickets())
    assert [n[-4:] for n in numbers] == ["0001", "0002"]


def test_due_dates_skip_weekends_and_holidays():
    # Filed on Friday 2026-01-09 (JST); Monday 2026-01-12 is 成人の日.
    created = datetime(2026, 1, 9, 1, 0)
    assert due_date(created, 1) == date(2026, 1, 13)
    assert due_date(created, 3) == date(2026, 1, 15)


def test_staff_files_for_own_department_and_staff_without_department_is_told(client, auth, users):
    dept = users["requester"].department
    factories.make_user("dx_dept", role="dx_staff", department=dept)
    auth.login("dx_dept")
    assert client.post("/tickets/new", data=intake_data()).status_code == 302
    auth.logout()
    auth.login("dx")
    response = client.post("/tickets/new", data=intake_data())
    assert response.status_code == 422
    assert "所属が登録されていないため" in response.get_data(as_text=True)


def test_draft_autosave_restore_and_delete_on_filing(client, auth, users):
    auth.login("req")
    response = client.post("/tickets/draft", json={"title": "下書きの件名", "purpose": "目的", "evil": "x", "urgency": "high"})
    assert response.status_code == 200 and response.get_json()["ok"] is True
    draft = db.session.get(TicketDraft, users["requester"].id)
    assert draft.data["title"] == "下書きの件名" and "evil" not in draft.data
    html = client.get("/tickets/new").get_data(as_text=True)
    assert 'value="下書きの件名"' in html and "下書きを表示しています" in html
    client.post("/tickets/new", data=intake_data())
    db.session.expire_all()
    assert db.session.get(TicketDraft, users["requester"].id) is None


def test_draft_endpoint_refuses_bad_input(client, auth, users):
    auth.login("req")
    assert client.post("/tickets/draft", data="not json", content_type="application/json").status_code == 400
    assert client.post("/tickets/draft", json=["a"]).status_code == 400
    assert client.post("/tickets/draft", json={"title": {"nested": 1}}).status_code == 400


def test_draft_without_javascript_and_discard(client, auth, users):
    auth.login("req")
    response = client.post("/tickets/new", data=intake_data(action="draft", title="JSなしの下書き", purpose=""))
    assert response.status_code == 302
    assert db.session.get(TicketDraft, users["requester"].id).data["title"] == "JSなしの下書き"
    assert _tickets() == []
    client.post("/tickets/draft/discard")
    db.session.expire_all()
    assert db.session.get(TicketDraft, users["requester"].id) is None


@pytest.fixture
def csrf_on(app_config):
    """Enable CSRF protection for one test."""
    app_config["WTF_CSRF_ENABLED"] = True


def test_draft_autosave_needs_the_csrf_header(csrf_on, client, users):
    with client.session_transaction() as session:
        session["_user_id"] = users["requester"].get_id()
        session["_fresh"] = True
    html = client.get("/tickets/new").get_data(as_text=True)
    token = re.search(r'data-csrf="([^"]+)"', html).group(1)
    assert client.post("/tickets/draft", json={"title": "x"}).status_code == 400
    response = client.post("/tickets/draft", json={"title": "x"}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
