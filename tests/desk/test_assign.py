"""Triage (分類・優先度 → SLA), assignment, reassignment, self-assignment, and their audit events."""
from datetime import datetime

from sqlalchemy import select

from consult.desk.sla import due_dates
from models import AuditEvent, Ticket, db
from tests import factories


def _events(ticket, action):
    """Audit events of `action` on the ticket, oldest first."""
    stmt = select(AuditEvent).where(AuditEvent.object_type == "ticket", AuditEvent.object_id == ticket.id,
                                    AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(stmt))


def _reload(ticket) -> Ticket:
    """The ticket as stored now."""
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


def test_triage_sets_category_priority_and_recomputes_due_dates(app, dx, users):
    """Priority change recomputes both due dates from the creation time; audited."""
    cat = factories.make_category("集計・データ処理")
    t = factories.make_ticket(users["requester"], created_at=datetime(2026, 5, 1, 1, 0))
    r = dx.post(f"/desk/tickets/{t.number}/triage",
                data={"triage-version": t.version, "triage-category": cat.id, "triage-priority": "urgent"})
    assert r.status_code == 302 and r.location.endswith(f"/tickets/{t.number}#desk-panel")
    t = _reload(t)
    assert t.category_id == cat.id and t.priority == "urgent"
    assert (t.first_response_due, t.resolution_due) == due_dates(t.created_at, "urgent")
    assert t.status == "new"  # triage alone does not accept the ticket
    [event] = _events(t, "ticket.triaged")
    assert event.after["priority"] == "urgent" and event.after["category"] == "集計・データ処理"
    assert event.actor_id == users["dx_staff"].id


def test_triage_rejects_unknown_values(app, dx, ticket):
    """An unknown priority or category is a 400 with the form again."""
    r = dx.post(f"/desk/tickets/{ticket.number}/triage",
                data={"triage-version": ticket.version, "triage-category": "9999", "triage-priority": "mega"})
    assert r.status_code == 400
    assert "入力内容を確認してください" in r.get_data(as_text=True)


def test_assign_main_and_backup_moves_new_to_triaged(app, dx, users, ticket):
    """Assigning a new ticket accepts it (受付) and stamps triaged_at; two audit events."""
    main, backup = users["dx_staff"], users["dx_staff2"]
    r = dx.post(f"/desk/tickets/{ticket.number}/assign",
                data={"assign-version": ticket.version, "assign-main": main.id, "assign-backup": backup.id})
    assert r.status_code == 302
    t = _reload(ticket)
    assert (t.main_handler_id, t.backup_handler_id, t.status) == (main.id, backup.id, "triaged")
    assert t.triaged_at is not None
    [assigned] = _events(t, "ticket.assigned")
    assert assigned.before == {"main_handler": None, "backup_handler": None}
    assert assigned.after == {"main_handler": "dx", "backup_handler": "dx2"}
    [status] = _events(t, "ticket.status_changed")
    assert (status.before, status.after) == ({"status": "new"}, {"status": "triaged"})


def test_reassignment_is_audited_with_logins(app, dx, users, ticket):
    """A second assignment records the previous and the new handlers."""
    t = ticket
    dx.post(f"/desk/tickets/{t.number}/assign", data={"assign-version": t.version, "assign-main": users["dx_staff"].id})
    t = _reload(t)
    r = dx.post(f"/desk/tickets/{t.number}/assign", data={"assign-version": t.version, "assign-main": users["dx_staff2"].id,
                                                          "assign-backup": users["admin"].id})
    assert r.status_code == 302
    events = _events(t, "ticket.assigned")
    assert [e.after["main_handler"] for e in events] == ["dx", "dx2"]
    assert events[1].before == {"main_handler": "dx", "backup_handler": None}
    assert events[1].after == {"main_handler": "dx2", "backup_handler": "admin"}
    assert len(_events(t, "ticket.status_changed")) == 1  # only new → triaged


def test_assign_refuses_same_person_and_non_staff(app, dx, users, ticket):
    """Main and backup must differ and be active DX staff; the form comes back with the message."""
    r = dx.post(f"/desk/tickets/{ticket.number}/assign",
                data={"assign-version": ticket.version, "assign-main": users["dx_staff"].id, "assign-backup": users["dx_staff"].id})
    assert r.status_code == 400 and "別の職員" in r.get_data(as_text=True)
    r = dx.post(f"/desk/tickets/{ticket.number}/assign",
                data={"assign-version": ticket.version, "assign-main": users["requester"].id})
    assert r.status_code == 400  # not a choice in the select
    inactive = factories.make_user("gone", role="dx_staff", active=False)
    r = dx.post(f"/desk/tickets/{ticket.number}/assign", data={"assign-version": ticket.version, "assign-main": inactive.id})
    assert r.status_code == 400
    r = dx.post(f"/desk/tickets/{ticket.number}/assign", data={"assign-version": ticket.version, "assign-main": ""})
    assert r.status_code == 400 and "主担当を選んでください" in r.get_data(as_text=True)
    assert _reload(ticket).main_handler_id is None
    assert _events(ticket, "ticket.assigned") == []


def test_self_assign_one_click(app, dx, dx2, users, ticket):
    """自分が担当: the clicker becomes main; a backup who self-assigns swaps with the main."""
    r = dx.post(f"/desk/tickets/{ticket.number}/self-assign", data={"self_assign-version": ticket.version})
    assert r.status_code == 302
    t = _reload(ticket)
    assert t.main_handler_id == users["dx_staff"].id and t.status == "triaged"
    dx.post(f"/desk/tickets/{t.number}/assign", data={"assign-version": t.version, "assign-main": users["dx_staff"].id,
                                                      "assign-backup": users["dx_staff2"].id})
    t = _reload(t)
    dx2.post(f"/desk/tickets/{t.number}/self-assign", data={"self_assign-version": t.version})
    t = _reload(t)
    assert (t.main_handler_id, t.backup_handler_id) == (users["dx_staff2"].id, users["dx_staff"].id)
    assert len(_events(t, "ticket.assigned")) == 3


def test_closed_ticket_cannot_be_reassigned(app, dx, users):
    """Closed tickets are frozen."""
    t = factories.make_ticket(users["requester"], status="closed")
    r = dx.post(f"/desk/tickets/{t.number}/self-assign", data={"self_assign-version": t.version})
    assert r.status_code == 400 and "変更できません" in r.get_data(as_text=True)


def test_unknown_ticket_is_404(app, dx):
    """A number that does not exist."""
    assert dx.post("/desk/tickets/DX-1999-0001/self-assign", data={"self_assign-version": 1}).status_code == 404
    assert dx.get("/desk/tickets/DX-1999-0001/history").status_code == 404
