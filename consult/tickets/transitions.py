"""The one way a ticket changes status or receives a message, whoever acts (requester page, staff page, bulk
action, scheduled job).

`apply()` moves a ticket: it checks the workflow table (workflow.py) for the actor's roles on that ticket, stamps
the timestamps of the new status, starts or stops the SLA pause, writes `ticket.status_changed` and queues the
status notification. `add_message()` adds a reply or an internal note: the comment, one audit event on the ticket
(`ticket.replied` by staff, `ticket.requester_replied` by the requester's side, `ticket.note_added` for a note),
the first-response stamp, the resumption of 回答待ち when the requester answers, and the notification. Neither
commits: the caller's transaction does (see consult/transactions.py)."""
from consult import audit, inbox, notify
from consult.errors import DomainError
from models import STATUS_LABELS, Comment, Ticket, db, utcnow

from .workflow import can_transition

#: Statuses that stop replies: the record is finished.
CLOSED_FOR_REPLY = ("closed", "withdrawn")


def roles_of(ticket: Ticket, user) -> set[str]:
    """Workflow roles of `user` on `ticket`: dx_staff for staff, requester for members of its department."""
    roles = set()
    if user.is_staff:
        roles.add("dx_staff")
    if user.department_id is not None and user.department_id == ticket.department_id:
        roles.add("requester")
    return roles


def allowed(ticket: Ticket, target: str, user) -> bool:
    """Whether `user` may move `ticket` to `target` according to the workflow table."""
    return any(can_transition(ticket.status, target, role) for role in roles_of(ticket, user))


def refusal(ticket: Ticket, target: str) -> str:
    """The message when the workflow does not allow the change."""
    return f"「{ticket.status_label}」から「{STATUS_LABELS.get(target, target)}」には変更できません。"


def _stamp(ticket: Ticket, old: str, target: str, now) -> None:
    """The timestamps that belong to entering `target` from `old`."""
    if target in ("triaged", "in_progress") and ticket.triaged_at is None:
        ticket.triaged_at = now
    if target == "resolved":
        ticket.resolved_at = now
    elif target == "closed":
        ticket.closed_at = now
    elif target == "withdrawn":
        ticket.withdrawn_at = now
    elif old == "resolved" and target == "in_progress":
        ticket.resolved_at = None  # reopened: resolved again later
    ticket.updated_at = now


def _new_comment(ticket: Ticket, body: str, actor, internal: bool, now) -> Comment:
    """The comment row, flushed for its id."""
    comment = Comment(ticket_id=ticket.id, author_id=actor.id, body=body, internal=internal, created_at=now)
    db.session.add(comment)
    db.session.flush()
    return comment


def _record_message(ticket: Ticket, comment: Comment, actor) -> None:
    """The audit event of a message: a note, a staff reply or a reply from the requester's side."""
    action = ("ticket.note_added" if comment.internal
              else "ticket.replied" if actor.is_staff else "ticket.requester_replied")
    audit.record(action, "ticket", ticket.id, actor, after={"comment_id": comment.id, "internal": comment.internal})


def apply(ticket: Ticket, target: str, actor, now=None, notify_requester: bool = True, reason: str = "") -> str:
    """Move `ticket` to `target` in the session and return the old status.

    `actor` None is the system (a scheduled job), which the caller has checked itself. Raises DomainError when the
    workflow table does not allow the change for the actor. `reason` (取下げ・再開・完了 on the ticket page) is kept
    as a public message of the change, named in its audit event. `notify_requester=False` leaves the notification
    to the caller (the auto-close job sends its own mail)."""
    from consult.desk.sla import on_status_change  # the SLA pause rules live with the desk's SLA

    if actor is not None and not allowed(ticket, target, actor):
        raise DomainError(refusal(ticket, target))
    now = now or utcnow()
    old = ticket.status
    ticket.status = target
    _stamp(ticket, old, target, now)
    on_status_change(ticket, old, target, actor, now)
    audit.record("ticket.status_changed", "ticket", ticket.id, actor, before={"status": old}, after={"status": target})
    if reason:
        comment = _new_comment(ticket, reason, actor, False, now)
        _record_message(ticket, comment, actor)
    if notify_requester:
        notify.queue_status_changed(ticket, old, actor=actor)
    return old


def add_message(ticket: Ticket, body: str, actor, internal: bool = False, now=None) -> Comment:
    """Add a public reply or (staff only) an internal note to the session, with its audit event and notification.

    A requester's reply on 回答待ち resumes the work (対応中); the first staff reply stamps the first response."""
    if not internal and ticket.status in CLOSED_FOR_REPLY:
        raise DomainError(f"この相談は{STATUS_LABELS[ticket.status]}のため返信できません。新しく相談してください。")
    now = now or utcnow()
    comment = _new_comment(ticket, body, actor, internal, now)
    _record_message(ticket, comment, actor)
    if internal:
        inbox.add_mentions(ticket, comment)
        return comment
    ticket.updated_at = now
    if actor.is_staff:
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        notify.queue_public_reply(ticket, comment)
        return comment
    if ticket.status == "waiting" and allowed(ticket, "in_progress", actor):
        apply(ticket, "in_progress", actor, now, notify_requester=False)
    notify.queue_requester_reply(ticket, comment)
    return comment
