"""Reply and change the status in one step: 「送信して回答待ちにする」「送信して解決にする」."""
from datetime import date

import pytest
from sqlalchemy import select

from consult.desk.reply_status import reply_and_set_status
from consult.errors import DomainError, NotAllowed
from models import AuditEvent, Comment, db
from tests import factories
from tests.desk.conftest import login


@pytest.fixture
def working(users):
    """A ticket 対応中 with future due dates."""
    return factories.make_ticket(users["requester"], status="in_progress", first_response_due=date(2099, 1, 5),
                                 resolution_due=date(2099, 2, 1))


def _actions(ticket):
    return [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "ticket", AuditEvent.object_id == ticket.id).order_by(AuditEvent.id))]


def test_page_offers_both_buttons_to_staff_only(app, dx, working, users):
    """Staff see the two buttons under the reply box; the requester does not."""
    html = dx.get(f"/tickets/{working.number}").get_data(as_text=True)
    assert "送信して回答待ちにする" in html and "送信して解決にする" in html
    assert 'name="reply-resolve-root_cause"' in html
    html = login(app, "req").get(f"/tickets/{working.number}").get_data(as_text=True)
    assert "送信して回答待ちにする" not in html and "reply-then" not in html


def test_reply_and_wait(app, dx, working):
    """One POST: the public reply is stored, the status is 回答待ち, the SLA clock paused, all audited."""
    r = dx.post(f"/desk/tickets/{working.number}/reply-then",
                data={"body": "資料を送ってください。", "then": "waiting", "reply-resolve-version": working.version})
    assert r.status_code == 302
    db.session.refresh(working)
    assert working.status == "waiting" and working.sla_paused_on is not None and working.first_response_at
    assert db.session.scalar(select(Comment.body).where(Comment.ticket_id == working.id)) == "資料を送ってください。"
    assert {"ticket.status_changed", "ticket.sla_paused"} <= set(_actions(working))


def test_reply_and_resolve_needs_the_resolution_fields(app, dx, working):
    """Without 原因/解決内容 the page comes back (422) with the reply kept and the details open; nothing is saved."""
    r = dx.post(f"/desk/tickets/{working.number}/reply-then",
                data={"body": "これで解決です。", "then": "resolved", "reply-resolve-version": working.version})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "これで解決です。" in html and "原因を入力してください" in html and "<details class=\"desk-reply-resolve\" open>" in html
    db.session.refresh(working)
    assert working.status == "in_progress"
    assert db.session.scalar(select(Comment.id).where(Comment.ticket_id == working.id)) is None


def test_reply_and_resolve(app, dx, working):
    """With the resolution fields the reply is sent and the ticket is 解決 with the resolution recorded."""
    r = dx.post(f"/desk/tickets/{working.number}/reply-then", data={
        "body": "マクロを用意しました。", "then": "resolved", "reply-resolve-version": working.version,
        "reply-resolve-root_cause": "手作業の転記", "reply-resolve-resolution_type": "ツール導入",
        "reply-resolve-resolution_summary": "集計マクロを導入", "reply-resolve-hours_saved_per_year": "120"})
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.refresh(working)
    assert working.status == "resolved" and working.resolution_type == "ツール導入" and working.hours_saved_per_year == 120
    assert "ticket.resolution_recorded" in _actions(working)


def test_stale_version_is_a_conflict(app, dx, working):
    """A page older than the ticket gets 409 and nothing changes."""
    r = dx.post(f"/desk/tickets/{working.number}/reply-then",
                data={"body": "返信", "then": "waiting", "reply-resolve-version": working.version - 1 or 99})
    assert r.status_code == 409
    db.session.refresh(working)
    assert working.status == "in_progress"


def test_service_rules(app, users, working):
    """Requesters may not use it; a transition the workflow forbids is a Japanese DomainError."""
    with pytest.raises(NotAllowed):
        reply_and_set_status(working, "x", [], "waiting", users["requester"])
    new = factories.make_ticket(users["requester"], status="new")
    with pytest.raises(DomainError, match="回答待ち"):
        reply_and_set_status(new, "x", [], "waiting", users["dx_staff"])
    with pytest.raises(DomainError):
        reply_and_set_status(working, "x", [], "closed", users["dx_staff"])


def test_requester_cannot_post(app, working):
    """The endpoint is for DX staff."""
    r = login(app, "req").post(f"/desk/tickets/{working.number}/reply-then", data={"body": "x", "then": "waiting"})
    assert r.status_code in (403, 404)
