"""Ticket numbers DX-2026-0001, issued without gaps or duplicates even with several processes."""
from datetime import datetime

from sqlalchemy import select, update

from models import TicketCounter, db, utcnow


def next_number(when: datetime | None = None) -> str:
    """Reserve the next number of the (calendar) year inside the caller's transaction."""
    year = (when or utcnow()).year
    counter = db.session.scalar(select(TicketCounter).where(TicketCounter.year == year).with_for_update())
    if counter is None:
        counter = TicketCounter(year=year, last=0)
        db.session.add(counter)
        db.session.flush()
    # An UPDATE … SET last = last + 1 takes the row lock on PostgreSQL and the write lock on SQLite.
    db.session.execute(update(TicketCounter).where(TicketCounter.year == year).values(last=TicketCounter.last + 1))
    db.session.refresh(counter)
    return f"DX-{year}-{counter.last:04d}"
