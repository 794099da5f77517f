"""関連する相談 and merging a duplicate: shown on both, permission-checked, conversation moves, number redirects."""
import pytest
from sqlalchemy import select

from consult.desk.links import link, merge, related
from consult.errors import DomainError, NotAllowed
from models import AuditEvent, Comment, Notification, db
from tests import factories
from tests.desk.conftest import login


def test_link_shows_on_both_and_hides_other_departments_from_requesters(app, users):
    """Staff see both links; a requester sees only their department's related ticket (no title leaks)."""
    a = factories.make_ticket(users["requester"], title="人事課の相談")
    b = factories.make_ticket(users["colleague"], title="同じ課の別の相談")
    c = factories.make_ticket(users["other"], title="道路課の秘密の相談")
    link(a, b.number, users["dx_staff"])
    link(a, c.number.lower(), users["dx_staff"])
    link(b, a.number, users["dx_staff"])  # twice: nothing new
    assert [t.number for t in related(a, users["dx_staff"])] == [b.number, c.number]
    assert [t.number for t in related(b, users["dx_staff"])] == [a.number]
    html = login(app, "req").get(f"/tickets/{a.number}").get_data(as_text=True)
    assert b.number in html and "道路課の秘密の相談" not in html and c.number not in html
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket.linked")).all()) == 4
    with pytest.raises(NotAllowed):
        link(a, b.number, users["requester"])
    with pytest.raises(DomainError):
        link(a, "DX-1999-9999", users["dx_staff"])


def test_merge_moves_conversation_redirects_and_tells_both(app, users):
    """Comments and attachments move, the duplicate is 完了 and redirects, both requesters get a notice, audited."""
    target = factories.make_ticket(users["requester"], status="in_progress", title="元の相談")
    dup = factories.make_ticket(users["colleague"], status="new", title="重複した相談")
    factories.make_comment(dup, users["colleague"], "重複側のやりとり")
    dx = login(app, "dx")
    r = dx.post(f"/desk/tickets/{dup.number}/merge", data={"other": target.number})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/tickets/{target.number}#related")
    db.session.expire_all()
    assert dup.status == "closed" and dup.merged_into_id == target.id
    bodies = [c.body for c in db.session.scalars(select(Comment).where(Comment.ticket_id == target.id))]
    assert "重複側のやりとり" in bodies and any(dup.number in b for b in bodies)
    r = login(app, "req_colleague").get(f"/tickets/{dup.number}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/tickets/{target.number}")
    told = {n.user_id for n in db.session.scalars(select(Notification).where(Notification.kind == "merged"))}
    assert told == {users["requester"].id, users["colleague"].id}
    actions = {e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("ticket.merge%")))}
    assert actions == {"ticket.merged", "ticket.merged_from"}


def test_merge_refuses_other_departments_and_closed_targets(app, users):
    """No merge across 所属 (it would show the conversation to another department), nor into a closed ticket."""
    a = factories.make_ticket(users["requester"], status="new")
    other = factories.make_ticket(users["other"], status="new")
    closed = factories.make_ticket(users["requester"], status="closed")
    with pytest.raises(DomainError, match="所属の違う"):
        merge(a, other.number, users["dx_staff"])
    with pytest.raises(DomainError):
        merge(a, closed.number, users["dx_staff"])
    r = login(app, "dx").post(f"/desk/tickets/{a.number}/merge", data={"other": other.number})
    assert r.status_code == 302
    db.session.refresh(a)
    assert a.merged_into_id is None and a.status == "new"


def test_requesters_cannot_link_or_merge(app, users):
    """Staff only."""
    a = factories.make_ticket(users["requester"])
    b = factories.make_ticket(users["requester"])
    client = login(app, "req")
    assert client.post(f"/desk/tickets/{a.number}/merge", data={"other": b.number}).status_code in (403, 404)
    assert client.post(f"/desk/tickets/{a.number}/link", data={"other": b.number}).status_code in (403, 404)
