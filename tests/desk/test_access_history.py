"""Who reaches the desk, the 履歴 tab, the staff panel and the notification hooks."""
import pytest
from flask import render_template
from flask_login import login_user

from consult import notify
from consult.desk.page import staff_sections
from tests import factories
from tests.desk.conftest import login

GET_URLS = ["/desk/", "/desk/workload"]
POST_URLS = ["/desk/workload/skills", "/desk/tickets/{n}/triage", "/desk/tickets/{n}/assign",
             "/desk/tickets/{n}/self-assign", "/desk/tickets/{n}/status", "/desk/tickets/{n}/resolve",
             "/desk/tickets/{n}/note"]


@pytest.mark.parametrize("who", ["req", "req_other"])
def test_requesters_get_403_everywhere(app, users, ticket, who):
    """Every desk URL refuses requesters, even for their own department's ticket."""
    client = login(app, who)
    for url in GET_URLS:
        assert client.get(url.format(n=ticket.number)).status_code == 403, url
    # The audit history is an object of the ticket: requesters are told it does not exist.
    assert client.get(f"/desk/tickets/{ticket.number}/history").status_code == 404
    for url in POST_URLS:
        assert client.post(url.format(n=ticket.number), data={}).status_code == 403, url


def test_anonymous_is_sent_to_login(app, client, users, ticket):
    """Not logged in: redirect to the login page."""
    for url in GET_URLS:
        r = client.get(url.format(n=ticket.number))
        assert r.status_code == 302 and "/login" in r.location


def test_admin_may_use_the_desk(app, users, ticket):
    """Admins act as DX staff."""
    client = login(app, "admin")
    assert client.get("/desk/").status_code == 200
    r = client.post(f"/desk/tickets/{ticket.number}/self-assign", data={"self_assign-version": ticket.version})
    assert r.status_code == 302


def test_history_tab_lists_every_event_in_japanese(app, dx, users, ticket):
    """Assignments, status changes and notes appear with actor, Japanese action and before/after."""
    t = ticket
    dx.post(f"/desk/tickets/{t.number}/assign", data={"assign-version": t.version, "assign-main": users["dx_staff2"].id})
    dx.post(f"/desk/tickets/{t.number}/note", data={"note-version": 0, "note-kind": "internal", "note-body": "メモ"})
    html = dx.get(f"/desk/tickets/{t.number}/history").get_data(as_text=True)
    assert "担当者の割当" in html and "状態の変更" in html and "内部メモの追加" in html
    assert '（なし） <span aria-label="から">→</span> 田中 四郎' in html  # the handler's name, not the login
    assert "（dx2）" not in html
    assert '新規 <span aria-label="から">→</span> 受付' in html
    assert "高橋 三郎" in html  # the actor
    assert "<caption>" in html and "削除" in html  # the note that nothing is deleted


def test_panel_renders_for_staff_only(app, users, ticket):
    """The partial shows every staff control with the version and the suggestion; nothing for requesters."""
    cat = factories.make_category("集計・データ処理")
    users["dx_staff2"].skills = [cat]
    ticket.category = cat
    from models import db

    db.session.commit()
    with app.test_request_context(f"/tickets/{ticket.number}"):
        login_user(users["dx_staff"])
        html = render_template("desk/_ticket_panel.html", ticket=ticket, **staff_sections(ticket))
        for action in ("update", "self-assign"):
            assert f"/desk/tickets/{ticket.number}/{action}" in html
        assert f'name="update-version" type="hidden" value="{ticket.version}"' in html
        assert "提案：<strong>田中 四郎</strong>" in html
        assert "集計・データ処理が得意な1人のうち" in html
        assert "自分が担当する" in html
        assert "/resolve" not in html  # a new ticket cannot be resolved yet
    with app.test_request_context(f"/tickets/{ticket.number}"):
        login_user(users["requester"])
        assert "desk-panel" not in render_template("desk/_ticket_panel.html", ticket=ticket, **staff_sections(ticket))


def test_notifications_are_queued(app, dx, users, ticket, monkeypatch):
    """Assignment, status change and public reply call the notify hooks; internal notes do not."""
    calls = []
    monkeypatch.setattr(notify, "queue_assigned", lambda t, handlers: calls.append(("assigned", [u.login for u in handlers])))
    monkeypatch.setattr(notify, "queue_status_changed", lambda t, old, actor=None: calls.append(("status", old)))
    monkeypatch.setattr(notify, "queue_public_reply", lambda t, c: calls.append(("reply", c.internal)))
    monkeypatch.setattr(notify, "send_pending", lambda limit=50: calls.append(("send",)) or 0)
    dx.post(f"/desk/tickets/{ticket.number}/self-assign", data={"self_assign-version": ticket.version})
    assert calls == [("status", "new"), ("assigned", ["dx"]), ("send",)]
    calls.clear()
    dx.post(f"/desk/tickets/{ticket.number}/note", data={"note-version": 0, "note-kind": "internal", "note-body": "内部"})
    assert calls == [("send",)]
    calls.clear()
    dx.post(f"/desk/tickets/{ticket.number}/note", data={"note-version": 0, "note-kind": "public", "note-body": "公開"})
    assert calls == [("reply", False), ("send",)]


def test_ticket_page_includes_the_panel_and_history_shows_requester_events(app, dx, users, ticket):
    """The ticket page embeds the panel for staff; their comment events reach the 履歴 tab."""
    html = dx.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert f"/desk/tickets/{ticket.number}/update" in html
    assert f"/desk/tickets/{ticket.number}/history" in html
    req = login(app, "req")
    page = req.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "desk-panel" not in page  # never for requesters
    r = req.post(f"/tickets/{ticket.number}/reply", data={"body": "補足です", "version": ticket.version})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    history = dx.get(f"/desk/tickets/{ticket.number}/history").get_data(as_text=True)
    assert "相談者からの返信" in history and "山田 花子" in history
