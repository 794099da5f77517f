"""Optimistic locking: two staff editing the same ticket never silently overwrite each other."""
import threading

import pytest
from sqlalchemy.orm import Session

from consult.desk import service
from consult.errors import ConflictError
from models import Ticket, User, db
from tests import factories


def test_second_client_gets_conflict_with_diff_and_kept_input(app, dx, dx2, users, ticket):
    """Both saw version v; the second post gets a 409 showing current vs own values, input kept."""
    seen = ticket.version
    cat = factories.make_category("文書管理")
    r1 = dx.post(f"/desk/tickets/{ticket.number}/triage",
                 data={"triage-version": seen, "triage-category": cat.id, "triage-priority": "high"})
    assert r1.status_code == 302
    r2 = dx2.post(f"/desk/tickets/{ticket.number}/triage",
                  data={"triage-version": seen, "triage-category": "", "triage-priority": "low"})
    html = r2.get_data(as_text=True)
    assert r2.status_code == 409
    assert "ほかの人が先に更新しました" in html
    assert "<th scope=\"row\">優先度</th><td>高</td><td>低</td>" in html
    assert "<th scope=\"row\">分類</th><td>文書管理</td><td>未設定</td>" in html
    assert '<option selected value="low">' in html  # their input is kept
    db.session.expire_all()
    t = db.session.get(Ticket, ticket.id)
    assert t.priority == "high" and t.category_id == cat.id
    assert f'name="triage-version" type="hidden" value="{t.version}"' in html  # re-sending is deliberate
    assert "分類・優先度の設定" in html  # recent changes listed


def test_stale_status_change_is_refused(app, dx, dx2, users):
    """A status change from a stale page does not overwrite a newer one."""
    t = factories.make_ticket(users["requester"], status="triaged")
    seen = t.version
    assert dx.post(f"/desk/tickets/{t.number}/status", data={"status-version": seen, "status-status": "in_progress"}).status_code == 302
    r = dx2.post(f"/desk/tickets/{t.number}/status", data={"status-version": seen, "status-status": "waiting"})
    assert r.status_code == 409
    assert "<th scope=\"row\">状態</th><td>対応中</td><td>回答待ち</td>" in r.get_data(as_text=True)


def test_missing_version_is_refused(app, dx, ticket):
    """A form without its version cannot change anything."""
    r = dx.post(f"/desk/tickets/{ticket.number}/self-assign", data={})
    assert r.status_code == 400


def test_version_id_col_race_becomes_conflict_error(app, users, ticket):
    """Another connection updates the row between our read and our write: StaleDataError → ConflictError."""
    actor = users["dx_staff"]
    seen = ticket.version
    with Session(db.engine) as other:  # a second, independent connection
        row = other.get(Ticket, ticket.id)
        row.priority = "urgent"
        other.commit()
    assert ticket.version == seen  # our session still holds the old row
    with pytest.raises(ConflictError) as info:
        service.triage(ticket, None, "low", seen, actor)
    assert info.value.changes["優先度"] == {"current": "至急", "yours": "低"}
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).priority == "urgent"


def test_two_threads_updating_at_once(app, users, ticket):
    """Two threads (own app context, own connection) both pass the version check; exactly one wins."""
    ids = (users["dx_staff"].id, users["dx_staff2"].id)
    number, seen = ticket.number, ticket.version
    barrier = threading.Barrier(2, timeout=20)
    results = {}

    def work(actor_id, priority):
        with app.app_context():
            try:
                t = db.session.scalar(db.select(Ticket).where(Ticket.number == number))
                actor = db.session.get(User, actor_id)
                service.check_version(t, seen)
                barrier.wait()
                service.triage(t, None, priority, seen, actor)
                results[actor_id] = "ok"
            except ConflictError:
                results[actor_id] = "conflict"
            except Exception as exc:  # pragma: no cover - reported below
                results[actor_id] = repr(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(ids[0], "urgent")), threading.Thread(target=work, args=(ids[1], "low"))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert sorted(results.values()) == ["conflict", "ok"], results
    db.session.expire_all()
    t = db.session.get(Ticket, ticket.id)
    assert t.version == seen + 1
    winner = "urgent" if results[ids[0]] == "ok" else "low"
    assert t.priority == winner
