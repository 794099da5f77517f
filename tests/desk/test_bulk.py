"""Bulk actions in 受付一覧: one audit event per ticket; a version conflict on one row is reported, others apply."""
from datetime import date

from sqlalchemy import func, select

from consult.desk.bulk import bulk_apply
from models import AuditEvent, Ticket, db
from tests import factories


def _tickets(users, n=3, **kw):
    return [factories.make_ticket(users["requester"], status="triaged", title=f"相談{i}", first_response_due=date(2099, 1, 1),
                                  resolution_due=date(2099, 2, 1), **kw) for i in range(n)]


def _events(action):
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_queue_has_checkboxes_and_the_bulk_form(app, dx, users):
    """Each row has a labelled checkbox carrying id and version, tied to the bulk form."""
    t = _tickets(users, 1)[0]
    html = dx.get("/desk/").get_data(as_text=True)
    assert f'value="{t.id}:{t.version}" form="desk-bulk"' in html and f'aria-label="{t.number} を選ぶ"' in html
    assert 'id="desk-bulk"' in html and "選んだ相談に適用" in html


def test_bulk_priority_with_one_conflict(app, dx, users):
    """Three selected, one changed meanwhile: two get the new priority (one audit event each), the third is reported."""
    a, b, c = _tickets(users)
    stale = c.version
    c.title = "ほかの人が更新"
    db.session.commit()
    r = dx.post("/desk/bulk", data={"bulk-action": "priority", "bulk-priority": "high", "next": "/desk/?status=triaged",
                                    "ticket": [f"{a.id}:{a.version}", f"{b.id}:{b.version}", f"{c.id}:{stale}"]})
    assert r.status_code == 302 and r.headers["Location"].endswith("/desk/?status=triaged")
    db.session.expire_all()
    assert [db.session.get(Ticket, t.id).priority for t in (a, b, c)] == ["high", "high", "normal"]
    assert _events("ticket.triaged") == 2
    html = dx.get("/desk/").get_data(as_text=True)
    assert "2件に適用しました" in html and f"ほかの人が先に更新していたため適用しませんでした（{c.number}）" in html


def test_bulk_assign_and_status(app, users):
    """Assign keeps a different backup; status uses the workflow and refuses what it forbids (reported, not a 500)."""
    dx, dx2 = users["dx_staff"], users["dx_staff2"]
    a, b = _tickets(users, 2, backup_handler=dx2)
    result = bulk_apply([(a.id, a.version), (b.id, b.version)], "assign", dx.id, dx)
    assert result.applied == [a.number, b.number] and _events("ticket.assigned") == 2
    assert (a.main_handler_id, a.backup_handler_id) == (dx.id, dx2.id)
    result = bulk_apply([(a.id, a.version), (b.id, b.version)], "assign", dx2.id, dx)
    assert (a.main_handler_id, a.backup_handler_id) == (dx2.id, None)  # the backup became main
    new = factories.make_ticket(users["requester"], status="new")
    result = bulk_apply([(a.id, a.version), (new.id, new.version)], "status", "waiting", dx)
    assert result.applied == [a.number] and result.refused and result.refused[0][0] == new.number
    assert a.status == "waiting" and a.sla_paused_on is not None


def test_bad_input_is_a_message_not_a_500(app, dx, users):
    """No selection, unknown action or a garbled id gives a Japanese message and back to the queue."""
    for data in ({"bulk-action": "priority", "bulk-priority": "high"}, {"bulk-action": "evil", "ticket": "1:1"},
                 {"bulk-action": "assign", "bulk-assign": "x", "ticket": "abc"}):
        r = dx.post("/desk/bulk", data=data)
        assert r.status_code == 302
    assert "相談を1件以上選んでください" in dx.get("/desk/").get_data(as_text=True)


def test_next_only_follows_the_desk(app, dx, users):
    """An outside `next` is ignored (no open redirect)."""
    r = dx.post("/desk/bulk", data={"bulk-action": "priority", "next": "//evil.example/desk/"})
    assert r.headers["Location"].endswith("/desk/")
    assert "evil" not in r.headers["Location"]


def test_requester_cannot_bulk(app, users):
    """Staff only."""
    from tests.desk.conftest import login
    t = _tickets(users, 1)[0]
    r = login(app, "req").post("/desk/bulk", data={"bulk-action": "priority", "bulk-priority": "high", "ticket": f"{t.id}:1"})
    assert r.status_code in (403, 404)
