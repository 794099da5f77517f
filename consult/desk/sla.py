"""SLA in business days: due dates from the priority, and what counts as overdue."""
from datetime import date, datetime

from flask import current_app
from sqlalchemy import and_, or_

from consult.businessdays import due_date, to_jst_date
from models import OPEN_STATUSES, Ticket, utcnow


def today_jst() -> date:
    """Today's date on the JST calendar."""
    return to_jst_date(utcnow())


def due_dates(created_at: datetime, priority: str) -> tuple[date, date]:
    """(first response due, resolution due) for a ticket created at `created_at` with `priority`."""
    sla = current_app.config["CONSULT_SLA"]
    first, resolve = sla.get(priority) or sla["normal"]
    return due_date(created_at, first), due_date(created_at, resolve)


def is_overdue(ticket, today: date | None = None) -> bool:
    """Open and past the first-response due date without a response, or past the resolution due date."""
    if ticket.status not in OPEN_STATUSES:
        return False
    today = today or today_jst()
    if ticket.first_response_at is None and ticket.first_response_due and today > ticket.first_response_due:
        return True
    return bool(ticket.resolution_due and today > ticket.resolution_due)


def overdue_clause(today: date | None = None, t=Ticket):
    """SQL condition matching exactly the tickets for which `is_overdue` is true (`t`: Ticket, or an object with the
    same column attributes, such as the keyword side table's)."""
    today = today or today_jst()
    return and_(
        t.status.in_(OPEN_STATUSES),
        or_(
            and_(t.first_response_at.is_(None), t.first_response_due < today),
            t.resolution_due < today,
        ),
    )
