"""Mail goes only to people who may see the ticket now (audit finding 2): checked when the mail is queued and
again when it is sent; a role change or a move to another 課 takes the person off their assignments."""
from sqlalchemy import select

from consult import notify
from consult.admin import service as admin
from models import AuditEvent, MailOutbox, Ticket, db
from tests import factories


def _flush():
    db.session.commit()
    return notify.send_pending()


def _move(user, actor, *, role=None, department=None):
    """Change a user through the admin service, as the 利用者 page does."""
    admin.update_user(user, name=user.name, email=user.email,
                      department_id=(department or user.department).id if (department or user.department) else None,
                      role=role or user.role, active=True, actor=actor)


def test_requester_moved_to_another_ka_gets_no_reply_mail(app, users, smtp_sink):
    """A requester moved to another 課 no longer sees the old 課's tickets (404) — and gets no mail about them."""
    requester = users["requester"]
    ticket = factories.make_ticket(requester=requester, status="in_progress", main_handler=users["dx_staff"])
    _move(requester, users["admin"], department=users["other"].department)
    reply = factories.make_comment(ticket, users["dx_staff"], body="回答です。集計マクロを添付しました。")
    notify.queue_public_reply(ticket, reply)
    ticket.status = "waiting"
    notify.queue_status_changed(ticket, "in_progress")
    _flush()
    assert smtp_sink.to(requester.email) == []


def test_mail_queued_before_the_move_is_not_sent(app, users, smtp_sink):
    """Rows queued while the person could still see the ticket are checked again at send time."""
    requester = users["requester"]
    ticket = factories.make_ticket(requester=requester, status="in_progress", main_handler=users["dx_staff"])
    reply = factories.make_comment(ticket, users["dx_staff"], body="回答です。")
    notify.queue_public_reply(ticket, reply)
    db.session.commit()
    _move(requester, users["admin"], department=users["other"].department)
    notify.send_pending()
    assert smtp_sink.to(requester.email) == []
    row = db.session.scalar(select(MailOutbox).where(MailOutbox.recipient == requester.email))
    assert row.sent_at is not None and "見られない" in row.last_error  # handled, never retried, reason kept


def test_staff_turned_requester_is_taken_off_assignments_and_gets_no_mail(app, users, smtp_sink):
    """DX staff changed to requester of another 課: off main/backup of open tickets (audited), no more mail."""
    dx, dx2 = users["dx_staff"], users["dx_staff2"]
    open_main = factories.make_ticket(requester=users["requester"], status="in_progress", main_handler=dx,
                                      backup_handler=dx2)
    open_backup = factories.make_ticket(requester=users["requester"], status="triaged", main_handler=dx2,
                                        backup_handler=dx)
    closed = factories.make_ticket(requester=users["requester"], status="closed", main_handler=dx)
    _move(dx, users["admin"], role="requester", department=users["other"].department)
    db.session.expire_all()
    assert db.session.get(Ticket, open_main.id).main_handler_id is None
    assert db.session.get(Ticket, open_main.id).backup_handler_id == dx2.id
    assert db.session.get(Ticket, open_backup.id).backup_handler_id is None
    assert db.session.get(Ticket, closed.id).main_handler_id == dx.id  # history of closed tickets stays
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket.unassigned")))
    assert {e.object_id for e in events} == {open_main.id, open_backup.id}
    # a requester reply on the ticket now goes to the remaining handler / desk, never to the former staff member
    comment = factories.make_comment(open_main, users["requester"], body="追加の質問です。")
    notify.queue_requester_reply(open_main, comment)
    notify.queue_assigned(open_main, [dx])
    _flush()
    assert smtp_sink.to(dx.email) == []
    assert smtp_sink.to(dx2.email)


def test_department_move_of_staff_keeps_assignments_only_when_role_is_unchanged(app, users, smtp_sink):
    """Changing only a DX staff member's 課 is a move too: they come off their assignments."""
    dx = users["dx_staff"]
    dx.department = users["requester"].department
    db.session.commit()
    ticket = factories.make_ticket(requester=users["requester"], status="in_progress", main_handler=dx)
    _move(dx, users["admin"], department=users["other"].department)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).main_handler_id is None


def test_unchanged_user_keeps_assignments(app, users, smtp_sink):
    """Saving a user without role or 課 change leaves the tickets alone."""
    dx = users["dx_staff"]
    ticket = factories.make_ticket(requester=users["requester"], status="in_progress", main_handler=dx)
    admin.update_user(dx, name="高橋 三郎（改）", email=dx.email, department_id=None, role="dx_staff", active=True,
                      actor=users["admin"])
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).main_handler_id == dx.id
