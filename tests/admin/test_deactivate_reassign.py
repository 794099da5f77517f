"""Deactivating a DX staff member with open tickets: shown, reassigned in one step, nothing orphaned silently."""
import pytest
from sqlalchemy import select

from consult.desk import service
from consult.errors import DomainError
from models import AuditEvent, User, db
from tests import factories


@pytest.fixture
def leaving(users):
    """dx (leaving) is 主担当 of one open ticket and 副担当 of another; a closed one stays as it is."""
    dx, dx2 = users["dx_staff"], users["dx_staff2"]
    a = factories.make_ticket(users["requester"], status="in_progress", title="主担当の相談", main_handler=dx, backup_handler=dx2)
    b = factories.make_ticket(users["requester"], status="triaged", title="副担当の相談", main_handler=dx2, backup_handler=dx)
    c = factories.make_ticket(users["requester"], status="closed", title="終わった相談", main_handler=dx)
    return a, b, c


def _admin(app):
    from tests.desk.conftest import login
    return login(app, "admin")


def test_unchecking_active_leads_to_the_reassignment_page(app, users, leaving):
    """The edit form does not deactivate silently: it redirects to the list of open tickets with a suggestion."""
    admin = _admin(app)
    dx = users["dx_staff"]
    r = admin.post(f"/admin/users/{dx.id}/edit", data={"name": dx.name, "email": dx.email, "department": "",
                                                       "role": "dx_staff"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/admin/users/{dx.id}/deactivate")
    db.session.refresh(dx)
    assert dx.active
    html = admin.get(f"/admin/users/{dx.id}/deactivate").get_data(as_text=True)
    a, b, c = leaving
    assert a.number in html and b.number in html and c.number not in html
    assert "担当を付け替えて無効にする" in html
    # the suggestion for the main ticket is the other staff member (the leaving person is never suggested)
    assert f'<option value="{users["dx_staff2"].id}" selected>' in html


def test_reassign_and_deactivate_in_one_step(app, users, leaving):
    """One POST: every open ticket gets its new handlers (one audit event each), then the account is inactive."""
    a, b, _ = leaving
    dx, dx2, admin_user = users["dx_staff"], users["dx_staff2"], users["admin"]
    r = _admin(app).post(f"/admin/users/{dx.id}/deactivate", data={
        f"main-{a.id}": dx2.id, f"backup-{a.id}": admin_user.id, f"main-{b.id}": dx2.id, f"backup-{b.id}": ""})
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(User, dx.id).active
    assert (a.main_handler_id, a.backup_handler_id) == (dx2.id, admin_user.id)
    assert (b.main_handler_id, b.backup_handler_id) == (dx2.id, None)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket.assigned")).all()
    assert {e.object_id for e in events} == {a.id, b.id} and all(e.after["reason"] == "deactivation" for e in events)
    assert db.session.scalar(select(AuditEvent.after).where(AuditEvent.action == "user.deactivated"))["reassigned_tickets"] == 2


def test_missing_choice_keeps_everything_and_says_which(app, users, leaving):
    """Without a 主担当 for a ticket nothing changes; the page comes back with the message and the choices kept."""
    a, b, _ = leaving
    dx, dx2 = users["dx_staff"], users["dx_staff2"]
    r = _admin(app).post(f"/admin/users/{dx.id}/deactivate", data={f"main-{a.id}": "", f"main-{b.id}": dx2.id})
    assert r.status_code == 400
    assert a.number in r.get_data(as_text=True) and "主担当が選ばれていない" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, dx.id).active and a.main_handler_id == dx.id


def test_service_refuses_the_leaving_person_and_plain_deactivation(app, users, leaving):
    """reassign_open_tickets (desk.service, reused by role changes) refuses the person themself; update_user refuses orphans."""
    a, b, _ = leaving
    dx = users["dx_staff"]
    with pytest.raises(DomainError):
        service.reassign_open_tickets(dx, {a.id: (dx.id, None), b.id: (users["dx_staff2"].id, None)}, users["admin"])
    from consult.admin import service as admin_service
    with pytest.raises(DomainError, match="担当を付け替えて"):
        admin_service.update_user(dx, name=dx.name, email=dx.email, department_id=None, role="dx_staff", active=False,
                                  actor=users["admin"])


def test_inactive_handler_stays_in_filter_and_board(app, users, leaving):
    """After deactivation (CLI, with its warning), the queue filter and 担当状況 still list them marked （無効）."""
    dx = users["dx_staff"]
    result = app.test_cli_runner().invoke(args=["users", "deactivate", "dx"])
    assert result.exit_code == 0 and "対応中の相談2件" in result.output
    from tests.desk.conftest import login
    client = login(app, "dx2")
    html = client.get("/desk/").get_data(as_text=True)
    assert f'<option value="{dx.id}">{dx.name}（無効）</option>' in html
    assert f"{dx.name}（無効）" in client.get("/desk/workload").get_data(as_text=True)
    assert leaving[2].number in client.get(f"/desk/?handler={dx.id}&status=closed").get_data(as_text=True)


def test_requester_and_staff_cannot_open_the_page(app, users, leaving):
    """Admins only."""
    from tests.desk.conftest import login
    for who in ("req", "dx2"):
        assert login(app, who).get(f"/admin/users/{users['dx_staff'].id}/deactivate").status_code in (403, 404)
