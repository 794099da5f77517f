"""Ticket numbers DX-2026-0001, issued without gaps or duplicates even with several processes."""
from datetime import datetime

from sqlalchemy import update

from models import TicketCounter, db, dialects, utcnow


def _ensure_counter(year: int) -> None:
    """Create the year's counter row if missing, without failing when another process creates it first."""
    # ON CONFLICT DO NOTHING: a concurrent first insert waits for the other transaction, then does nothing.
    db.session.execute(dialects.insert_ignoring_conflict(TicketCounter.__table__, {"year": year, "last": 0}, ["year"]))


def next_number(when: datetime | None = None) -> str:
    """Reserve the next number of the (calendar) year inside the caller's transaction."""
    year = (when or utcnow()).year
    _ensure_counter(year)
    # UPDATE … SET last = last + 1 takes the row lock on PostgreSQL and the write lock on SQLite;
    # RETURNING reads the value this transaction wrote, never another one's.
    last = db.session.execute(
        update(TicketCounter.__table__)
        .where(TicketCounter.year == year)
        .values(last=TicketCounter.last + 1)
        .returning(TicketCounter.last)
    ).scalar_one()
    return f"DX-{year}-{last:04d}"
