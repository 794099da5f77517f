"""SLA in business days: due dates from the priority, and what counts as overdue."""
from datetime import date, datetime

from flask import current_app
from sqlalchemy import and_, or_

from consult import audit
from consult.businessdays import add_business_days, business_days_between, due_date, to_jst_date
from models import OPEN_STATUSES, Ticket, utcnow

PAUSED_STATUS = "waiting"  # 回答待ち: the resolution clock stops while the desk waits for the requester


def today_jst() -> date:
    """Today's date on the JST calendar."""
    return to_jst_date(utcnow())


def due_dates(created_at: datetime, priority: str) -> tuple[date, date]:
    """(first response due, resolution due) for a ticket created at `created_at` with `priority`."""
    sla = current_app.config["CONSULT_SLA"]
    first, resolve = sla.get(priority) or sla["normal"]
    return due_date(created_at, first), due_date(created_at, resolve)


def overdue_kinds(ticket, today: date | None = None) -> list[str]:
    """Which deadlines an open ticket has missed: "first_response" (初回回答) and/or "resolution" (解決).

    The resolution clock is stopped in 回答待ち, so a waiting ticket is never late on resolution; the first-response
    clock is never stopped."""
    if ticket.status not in OPEN_STATUSES:
        return []
    today = today or today_jst()
    kinds = []
    if ticket.first_response_at is None and ticket.first_response_due and today > ticket.first_response_due:
        kinds.append("first_response")
    if ticket.status != PAUSED_STATUS and ticket.resolution_due and today > ticket.resolution_due:
        kinds.append("resolution")
    return kinds


OVERDUE_LABELS = {"first_response": "初回回答", "resolution": "解決"}


def is_overdue(ticket, today: date | None = None) -> bool:
    """Open and past the first-response due date without a response, or (clock running) past the resolution due."""
    return bool(overdue_kinds(ticket, today))


def pause(ticket, actor, now=None) -> None:
    """Stop the resolution clock (entering 回答待ち) and write the ticket.sla_paused audit event."""
    if ticket.sla_paused_on is not None:
        return
    ticket.sla_paused_on = to_jst_date(now or utcnow())
    audit.record("ticket.sla_paused", "ticket", ticket.id, actor,
                 after={"paused_on": ticket.sla_paused_on.isoformat()})


def resume(ticket, actor, now=None) -> int:
    """Restart the resolution clock: move 解決期限 forward by the business days paused; returns that count."""
    if ticket.sla_paused_on is None:
        return 0
    paused = max(business_days_between(ticket.sla_paused_on, to_jst_date(now or utcnow())), 0)
    before = ticket.resolution_due
    if paused and ticket.resolution_due is not None:
        ticket.resolution_due = add_business_days(ticket.resolution_due, paused)
    ticket.sla_paused_days = (ticket.sla_paused_days or 0) + paused
    audit.record("ticket.sla_resumed", "ticket", ticket.id, actor,
                 before={"resolution_due": before.isoformat() if before else None},
                 after={"resolution_due": ticket.resolution_due.isoformat() if ticket.resolution_due else None,
                        "paused_days": paused, "paused_on": ticket.sla_paused_on.isoformat()})
    ticket.sla_paused_on = None
    return paused


def on_status_change(ticket, old: str, new: str, actor, now=None) -> None:
    """Pause or resume the resolution clock for a status change (call it wherever the status changes)."""
    if new == PAUSED_STATUS and old != PAUSED_STATUS:
        pause(ticket, actor, now)
    elif old == PAUSED_STATUS and new != PAUSED_STATUS:
        resume(ticket, actor, now)


def overdue_clause(today: date | None = None, t=Ticket):
    """SQL condition matching exactly the tickets for which `is_overdue` is true (`t`: Ticket, or an object with the
    same column attributes, such as the keyword side table's)."""
    today = today or today_jst()
    return and_(
        t.status.in_(OPEN_STATUSES),
        or_(
            and_(t.first_response_at.is_(None), t.first_response_due < today),
            and_(t.status != PAUSED_STATUS, t.resolution_due < today),
        ),
    )
