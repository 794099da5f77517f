"""Replies, 取下げ, 再開 and 完了 from the ticket page: workflow rules, audit and optimistic locking."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from consult.errors import ConflictError
from consult.tickets import lifecycle
from models import AuditEvent, Comment, Ticket, db, utcnow
from tests import factories


def _reload(ticket) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


def _status_events(ticket):
    return [(e.before, e.after) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "ticket.status_changed", AuditEvent.object_id == ticket.id).order_by(AuditEvent.id))]


def test_requester_reply_on_waiting_resumes_work(client, auth, users):
    ticket = factories.make_ticket(requester=users["requester"], status="waiting")
    auth.login("req")
    response = client.post(f"/tickets/{ticket.number}/reply", data={"body": "回答します。様式は2種類です。"})
    assert response.status_code == 302
    assert _reload(ticket).status == "in_progress"
    assert _status_events(ticket) == [({"status": "waiting"}, {"status": "in_progress"})]
    assert db.session.scalar(select(Comment).where(Comment.ticket_id == ticket.id)).internal is False
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket.requester_replied")) is not None
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "回答します。様式は2種類です。" in html and "回答待ち → <strong>対応中</strong>" in html


def test_staff_reply_is_public_and_sets_first_response(client, auth, users):
    ticket = factories.make_ticket(requester=users["requester"], status="triaged")
    auth.login("dx")
    assert client.post(f"/tickets/{ticket.number}/reply", data={"body": "担当の高橋です。"}).status_code == 302
    ticket = _reload(ticket)
    assert ticket.status == "triaged" and ticket.first_response_at is not None
    auth.logout()
    auth.login("req")
    assert "担当の高橋です。" in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)


def test_empty_reply_is_refused_in_japanese(client, auth, users):
    ticket = factories.make_ticket(requester=users["requester"])
    auth.login("req")
    response = client.post(f"/tickets/{ticket.number}/reply", data={"body": "   "})
    assert response.status_code == 422
    assert "返信の内容を入力してください" in response.get_data(as_text=True)


@pytest.mark.parametrize("status", ["closed", "withdrawn"])
def test_no_reply_on_finished_tickets(client, auth, users, status):
    ticket = factories.make_ticket(requester=users["requester"], status=status)
    auth.login("req")
    response = client.post(f"/tickets/{ticket.number}/reply", data={"body": "まだ質問があります"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "返信できません" in html and "まだ質問があります" in html


def test_stale_reply_becomes_conflict_keeping_the_text(users):
    ticket = factories.make_ticket(requester=users["requester"], status="waiting")
    assert ticket.version == 1  # loaded in this session …
    db.session.execute(  # … then someone else saves it
        update(Ticket).where(Ticket.id == ticket.id).values(version=Ticket.version + 1).execution_options(synchronize_session=False)
    )
    with pytest.raises(ConflictError) as info:
        lifecycle.reply(ticket, "競合する返信", [], users["requester"])
    assert "ほかの人が先に" in info.value.message
    assert db.session.scalar(select(Comment).where(Comment.body == "競合する返信")) is None


def test_conflict_page_keeps_the_typed_reply(client, auth, users, monkeypatch):
    ticket = factories.make_ticket(requester=users["requester"], status="waiting")

    def stale(*_args, **_kwargs):
        raise ConflictError(lifecycle.CONFLICT_MESSAGE)

    monkeypatch.setattr(lifecycle, "reply", stale)
    auth.login("req")
    response = client.post(f"/tickets/{ticket.number}/reply", data={"body": "消えてほしくない返信"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "ほかの人が先にこの相談を更新しました" in html and "消えてほしくない返信" in html


def test_withdraw_with_confirmation_page(client, auth, users):
    ticket = factories.make_ticket(requester=users["requester"], status="in_progress")
    auth.login("req_colleague")
    page = client.get(f"/tickets/{ticket.number}/withdraw")
    assert page.status_code == 200 and "相談を取り下げますか" in page.get_data(as_text=True)
    response = client.post(f"/tickets/{ticket.number}/withdraw", data={"version": ticket.version, "reason": "別の方法で解決した"})
    assert response.status_code == 302
    ticket = _reload(ticket)
    assert ticket.status == "withdrawn" and ticket.withdrawn_at is not None
    assert _status_events(ticket) == [({"status": "in_progress"}, {"status": "withdrawn"})]
    assert "取下げの理由：別の方法で解決した" in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)


@pytest.mark.parametrize("status", ["resolved", "closed", "withdrawn"])
def test_withdraw_only_from_open_statuses(client, auth, users, status):
    ticket = factories.make_ticket(requester=users["requester"], status=status)
    auth.login("req")
    response = client.post(f"/tickets/{ticket.number}/withdraw", data={"version": ticket.version})
    assert response.status_code == 400
    assert "取り下げできません" in response.get_data(as_text=True)
    assert _reload(ticket).status == status


def test_staff_cannot_withdraw_for_the_department(client, auth, users):
    ticket = factories.make_ticket(requester=users["requester"], status="new")
    auth.login("dx")
    response = client.post(f"/tickets/{ticket.number}/withdraw", data={"version": ticket.version})
    assert response.status_code in (400, 403)
    assert _reload(ticket).status == "new"


def test_stale_version_on_withdraw_is_a_conflict(client, auth, users):
    ticket = factories.make_ticket(requester=users["requester"], status="new")
    auth.login("req")
    response = client.post(f"/tickets/{ticket.number}/withdraw", data={"version": ticket.version + 5})
    assert response.status_code == 409
    assert "ほかの人が先に" in response.get_data(as_text=True)
    assert _reload(ticket).status == "new"


def test_reopen_within_window(app, client, auth, users):
    ticket = factories.make_ticket(requester=users["requester"], status="resolved", resolved_at=utcnow() - timedelta(days=13))
    auth.login("req")
    assert "相談を再開する" in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    response = client.post(f"/tickets/{ticket.number}/reopen", data={"version": ticket.version, "reason": "まだ集計が合わない"})
    assert response.status_code == 302
    ticket = _reload(ticket)
    assert ticket.status == "in_progress" and ticket.resolved_at is None
    assert _status_events(ticket) == [({"status": "resolved"}, {"status": "in_progress"})]


def test_reopen_after_window_is_refused(app, client, auth, users):
    days = app.config["CONSULT_REOPEN_DAYS"]
    ticket = factories.make_ticket(requester=users["requester"], status="resolved", resolved_at=utcnow() - timedelta(days=days, minutes=1))
    auth.login("req")
    assert "相談を再開する" not in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    response = client.post(f"/tickets/{ticket.number}/reopen", data={"version": ticket.version})
    assert response.status_code == 400
    assert f"解決から{days}日を過ぎているため再開できません" in response.get_data(as_text=True)
    assert _reload(ticket).status == "resolved"


@pytest.mark.parametrize("status", ["new", "in_progress", "closed", "withdrawn"])
def test_reopen_only_resolved(client, auth, users, status):
    ticket = factories.make_ticket(requester=users["requester"], status=status)
    auth.login("req")
    assert client.post(f"/tickets/{ticket.number}/reopen", data={"version": ticket.version}).status_code == 400
    assert _reload(ticket).status == status


def test_close_confirms_resolution(client, auth, users):
    ticket = factories.make_ticket(requester=users["requester"], status="resolved", resolved_at=utcnow())
    auth.login("req")
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "解決を確認して完了にする" in html
    assert client.post(f"/tickets/{ticket.number}/close", data={"version": ticket.version}).status_code == 302
    ticket = _reload(ticket)
    assert ticket.status == "closed" and ticket.closed_at is not None
    assert _status_events(ticket) == [({"status": "resolved"}, {"status": "closed"})]
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "返信できません" in html and "解決 → <strong>完了</strong>" in html


def test_close_only_from_resolved(client, auth, users):
    ticket = factories.make_ticket(requester=users["requester"], status="in_progress")
    auth.login("req")
    response = client.post(f"/tickets/{ticket.number}/close", data={"version": ticket.version})
    assert response.status_code == 400 and "完了にできません" in response.get_data(as_text=True)


def test_status_history_lists_desk_changes(client, auth, users):
    ticket = factories.make_ticket(requester=users["requester"], status="triaged")
    db.session.add(AuditEvent(actor_id=users["dx_staff"].id, action="ticket.status_changed", object_type="ticket", object_id=ticket.id,
                              before={"status": "new"}, after={"status": "triaged"}))
    db.session.commit()
    auth.login("req")
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "新規 → <strong>受付</strong>" in html and "高橋 三郎" in html
