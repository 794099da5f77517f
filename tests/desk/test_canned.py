"""定型文: shared templates with placeholders, inserted into a reply or note; links to published cases."""
from sqlalchemy import select

from consult.desk.canned import fill, save_reply
from models import AuditEvent, CannedReply, db
from tests import factories
from tests.desk.conftest import login

BODY = "{相談者名} 様\nご相談（{番号}「{件名}」）は{主担当}が担当します。{不明}"


def test_fill_replaces_the_four_placeholders_only(app, users):
    """{相談者名} {番号} {件名} {主担当} come from the ticket; other braces stay as typed."""
    t = factories.make_ticket(users["requester"], main_handler=users["dx_staff"])
    assert fill(BODY, t) == f"山田 花子 様\nご相談（{t.number}「{t.title}」）は高橋 三郎が担当します。{{不明}}"
    t.main_handler = None
    assert "（未割当）が担当" in fill(BODY, t)


def test_manage_page_adds_changes_and_retires_with_audit(app, dx, users):
    """Add, change and retire (never delete); each change is an audit event; bad input is 422 with the text kept."""
    r = dx.post("/desk/canned", data={"title": "資料のお願い", "body": BODY})
    assert r.status_code == 302
    reply = db.session.scalar(select(CannedReply))
    r = dx.post(f"/desk/canned?id={reply.id}", data={"title": "資料のお願い", "body": "変更後"})  # active unchecked
    db.session.refresh(reply)
    assert reply.body == "変更後" and reply.active is False
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "canned_reply").order_by(AuditEvent.id))]
    assert actions == ["canned_reply.created", "canned_reply.updated"]
    r = dx.post("/desk/canned", data={"title": "", "body": "本文だけ"})
    assert r.status_code == 422 and "本文だけ" in r.get_data(as_text=True)
    assert "資料のお願い" in dx.get("/desk/canned").get_data(as_text=True)


def test_ticket_page_offers_filled_templates_to_staff_only(app, dx, users):
    """The staff reply box lists active templates filled for this ticket; retired ones and requesters see nothing."""
    save_reply(None, "挨拶", BODY, True, users["dx_staff"])
    old = save_reply(None, "古い文面", "古い", True, users["dx_staff"])
    save_reply(old, "古い文面", "古い", False, users["dx_staff"])
    t = factories.make_ticket(users["requester"], status="in_progress", main_handler=users["dx_staff"])
    html = dx.get(f"/tickets/{t.number}").get_data(as_text=True)
    assert f'data-body="山田 花子 様\nご相談（{t.number}' in html and "古い文面" not in html
    assert "返信に挿入" in html and "内部メモに挿入" in html
    assert "定型文" not in login(app, "req").get(f"/tickets/{t.number}").get_data(as_text=True)


def test_case_link_by_ref(app, dx, users):
    """A published case found by its ref gives a Markdown link; drafts are never offered."""
    factories.make_case(ref="C-100", title="押印廃止の手順")
    factories.make_case(ref="C-101", title="下書きの事例", status="draft")
    data = dx.get("/desk/canned/case-links?q=C-100&format=json").get_json()
    assert data["cases"][0]["markdown"].startswith("[押印廃止の手順](") and "/cases/C-100" in data["cases"][0]["markdown"]
    assert dx.get("/desk/canned/case-links?q=C-101&format=json").get_json()["cases"] == []


def test_requesters_cannot_use_canned(app, users):
    """Templates are for DX staff."""
    client = login(app, "req")
    assert client.get("/desk/canned").status_code in (403, 404)
    assert client.post("/desk/canned", data={"title": "x", "body": "y"}).status_code in (403, 404)
