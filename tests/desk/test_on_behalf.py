"""Filing on behalf of a caller: DX staff file for a named requester, with the channel recorded."""
import pytest
from sqlalchemy import select

from consult.errors import DomainError
from consult.tickets import service as intake_service
from models import AuditEvent, Ticket, db
from tests import factories
from tests.desk.conftest import login

FORM = {"title": "電話で受けた相談", "purpose": "住民への通知", "current_process": "手書き", "problem": "時間がかかる",
        "frequency": "毎月", "urgency": "medium", "contains_personal_info": "no", "channel": "phone"}


def test_search_by_name_or_login(app, dx, users):
    """Name parts (spaces ignored) and exact logins find requesters; staff and inactive users are not offered."""
    factories.make_user("gone", department=users["requester"].department, name="山田 太郎", active=False)
    html = dx.get("/desk/intake?q=山田花子").get_data(as_text=True)
    assert "山田 花子（req" in html and "山田 太郎" not in html
    html = dx.get("/desk/intake?q=req_other").get_data(as_text=True)
    assert "鈴木 次郎" in html
    assert "に当てはまる有効な相談者はいません" in dx.get("/desk/intake?q=高橋").get_data(as_text=True)  # staff


def test_file_by_phone_is_the_requesters_ticket(app, dx, users):
    """The ticket belongs to the requester and their department, shows in 自分の相談, and records channel and filer."""
    r = dx.post("/desk/intake", data={**FORM, "requester": "req"})
    assert r.status_code == 302, r.get_data(as_text=True)
    t = db.session.scalar(select(Ticket))
    assert (t.requester_id, t.department_id) == (users["requester"].id, users["requester"].department_id)
    assert t.channel == "phone" and t.channel_label == "電話" and t.filed_by_id == users["dx_staff"].id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket.created"))
    assert event.actor_id == users["dx_staff"].id and event.after["channel"] == "phone" and event.after["filed_by"] == "dx"
    assert t.number in login(app, "req").get("/tickets/mine").get_data(as_text=True)
    panel = dx.get(f"/tickets/{t.number}").get_data(as_text=True)
    assert "受付方法：電話（高橋 三郎が代理で登録）" in panel


def test_missing_requester_or_field_keeps_the_form(app, dx, users):
    """Without a requester, or with a missing field, the page returns 422 with the input kept."""
    r = dx.post("/desk/intake", data={**FORM, "requester": ""})
    assert r.status_code == 422 and "相談者を選んでください" in r.get_data(as_text=True)
    r = dx.post("/desk/intake", data={**FORM, "requester": "req", "purpose": ""})
    assert r.status_code == 422 and "電話で受けた相談" in r.get_data(as_text=True)
    assert db.session.scalar(select(Ticket.id)) is None


def test_service_rules(app, users):
    """Only staff file for others; only for an active requester; only known channels."""
    intake = intake_service.Intake(title="t", purpose="p", current_process="c", problem="x")
    with pytest.raises(DomainError):
        intake_service.file_ticket(intake, [], users["colleague"], on_behalf_of=users["requester"], channel="phone")
    with pytest.raises(DomainError):
        intake_service.file_ticket(intake, [], users["dx_staff"], on_behalf_of=users["dx_staff2"], channel="phone")
    with pytest.raises(DomainError):
        intake_service.file_ticket(intake, [], users["dx_staff"], on_behalf_of=users["requester"], channel="fax")


def test_requesters_cannot_open_the_page(app, users):
    """The page is for DX staff."""
    assert login(app, "req").get("/desk/intake").status_code in (403, 404)
