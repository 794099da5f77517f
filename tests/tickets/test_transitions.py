"""One state machine: every status change and every message goes through consult/tickets/transitions.py, so the
requester page, the staff page and the jobs stamp, audit and notify alike."""
import pytest
from sqlalchemy import select

from consult.desk import service as desk_service
from consult.errors import DomainError
from consult.tickets import lifecycle, transitions
from models import AuditEvent, Comment, db
from tests import factories


def _actions(ticket) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "ticket",
                                                                   AuditEvent.object_id == ticket.id)
                                   .order_by(AuditEvent.id)))


def test_staff_reply_is_the_same_event_from_the_ticket_page_and_the_panel(app, users):
    """A staff reply is `ticket.replied` on the ticket whichever page it comes from; both stamp the first response."""
    a = factories.make_ticket(requester=users["requester"], status="in_progress")
    b = factories.make_ticket(requester=users["requester"], status="in_progress")
    lifecycle.reply(a, "ページから回答します。", [], users["dx_staff"])
    desk_service.add_note(b, "パネルから回答します。", False, users["dx_staff"])
    assert _actions(a) == _actions(b) == ["ticket.replied"]
    assert a.first_response_at is not None and b.first_response_at is not None


def test_requester_reply_and_note_have_their_own_events(app, users):
    """The requester's reply is `ticket.requester_replied`; an internal note `ticket.note_added`."""
    t = factories.make_ticket(requester=users["requester"], status="in_progress")
    lifecycle.reply(t, "補足です。", [], users["requester"])
    desk_service.add_note(t, "内部のメモ", True, users["dx_staff"])
    assert _actions(t) == ["ticket.requester_replied", "ticket.note_added"]
    assert t.first_response_at is None  # neither is a first response


@pytest.mark.parametrize(("start", "target", "stamp"), [
    ("in_progress", "resolved", "resolved_at"), ("resolved", "closed", "closed_at"),
    ("in_progress", "withdrawn", "withdrawn_at"), ("triaged", "in_progress", "triaged_at"),
])
def test_apply_stamps_the_new_status(app, users, start, target, stamp):
    """Entering a status stamps its timestamp, whoever does it (one function)."""
    t = factories.make_ticket(requester=users["requester"], status=start)
    setattr(t, stamp, None)
    actor = users["requester"] if target in ("closed", "withdrawn") else users["dx_staff"]
    old = transitions.apply(t, target, actor)
    db.session.commit()
    assert (old, t.status) == (start, target)
    assert getattr(t, stamp) is not None
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket.status_changed",
                                                          AuditEvent.object_id == t.id))
    assert (event.before, event.after) == ({"status": start}, {"status": target})


def test_reopen_clears_the_resolution_time(app, users):
    """再開 (解決 → 対応中) forgets resolved_at, from the requester page as from the desk."""
    t = factories.make_ticket(requester=users["requester"], status="resolved")
    t.resolved_at = t.created_at
    db.session.commit()
    lifecycle.reopen(t, users["requester"], reason="まだ直っていません")
    assert t.status == "in_progress" and t.resolved_at is None


def test_apply_refuses_what_the_workflow_table_refuses(app, users):
    """A requester cannot resolve, staff cannot withdraw: the table decides, in the one function."""
    t = factories.make_ticket(requester=users["requester"], status="in_progress")
    with pytest.raises(DomainError):
        transitions.apply(t, "resolved", users["requester"])
    with pytest.raises(DomainError):
        transitions.apply(t, "withdrawn", users["dx_staff"])
    other = factories.make_ticket(requester=users["other"], status="in_progress")
    with pytest.raises(DomainError):
        transitions.apply(other, "withdrawn", users["requester"])  # not their department's ticket
    db.session.rollback()
    assert t.status == "in_progress"


def test_a_reason_is_kept_with_its_status_change(app, users):
    """取下げ with a reason: one public message, audited as the requester's message after the status change."""
    t = factories.make_ticket(requester=users["requester"], status="in_progress")
    lifecycle.withdraw(t, users["requester"], reason="別の方法で解決しました")
    [comment] = db.session.scalars(select(Comment).where(Comment.ticket_id == t.id))
    assert comment.body == "取下げの理由：別の方法で解決しました" and not comment.internal
    assert _actions(t) == ["ticket.status_changed", "ticket.requester_replied"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket.requester_replied"))
    assert event.after == {"comment_id": comment.id, "internal": False}
