"""お知らせ: assignment, a requester's reply, an @mention in a note, status changes for requesters; read when opened."""
from datetime import date

from sqlalchemy import select

from consult.desk import service
from consult.tickets import lifecycle
from models import Notification, db
from tests import factories
from tests.desk.conftest import login


def _notices(user):
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))


def test_assignment_reply_mention_and_status(app, users):
    """Each event leaves an unread notice for the right person only (never for the actor)."""
    dx, dx2, req = users["dx_staff"], users["dx_staff2"], users["requester"]
    t = factories.make_ticket(req, status="new", first_response_due=date(2099, 1, 1), resolution_due=date(2099, 2, 1))
    service.assign(t, dx.id, None, t.version, dx2)
    assert [n.kind for n in _notices(dx)] == ["assigned"] and _notices(dx2) == []
    assert [n.kind for n in _notices(req)] == ["status_changed"]  # 新規 → 受付
    service.change_status(t, "in_progress", t.version, dx)
    lifecycle.reply(t, "追加の資料です", [], req)
    assert _notices(dx)[-1].kind == "requester_reply"
    service.add_note(t, "@dx2 さん、確認をお願いします。@高橋三郎 も", True, dx)
    assert [n.kind for n in _notices(dx2)] == ["mention"] and _notices(dx)[-1].kind == "requester_reply"  # not self
    assert "高橋 三郎さんから呼ばれました" in _notices(dx2)[0].text
    assert all(n.kind != "mention" for n in _notices(req))  # requesters are never mentioned


def test_header_count_list_and_open_marks_read(app, users):
    """The header shows the unread count; opening a notice marks it read and goes to the ticket."""
    dx = users["dx_staff"]
    t = factories.make_ticket(users["requester"], status="new")
    service.assign(t, dx.id, None, t.version, users["dx_staff2"])
    client = login(app, "dx")
    assert "お知らせ<span class=\"inbox-count\">（未読1件）</span>" in client.get("/notifications").get_data(as_text=True)
    html = client.get("/notifications").get_data(as_text=True)
    assert "の担当になりました" in html and "未読" in html
    notice = _notices(dx)[0]
    r = client.get(f"/notifications/{notice.id}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/tickets/{t.number}")
    db.session.refresh(notice)
    assert notice.read_at is not None
    assert "未読1件" not in client.get("/notifications").get_data(as_text=True)


def test_someone_elses_notice_is_404_and_mark_all(app, users):
    """A notice of another user is not found; すべて既読にする clears the count."""
    t = factories.make_ticket(users["requester"], status="new")
    service.assign(t, users["dx_staff"].id, users["dx_staff2"].id, t.version, users["admin"])
    other = _notices(users["dx_staff2"])[0]
    client = login(app, "dx")
    assert client.get(f"/notifications/{other.id}").status_code == 404
    client.post("/notifications/read")
    assert all(n.read_at for n in _notices(users["dx_staff"])) and _notices(users["dx_staff2"])[0].read_at is None
