"""SLA: business-day due dates and the overdue rule, in Python and in SQL."""
from datetime import date, datetime

from sqlalchemy import select

from consult.desk.sla import due_dates, is_overdue, overdue_clause
from models import Ticket, db
from tests import factories


def test_due_dates_count_business_days_and_skip_holidays(app):
    """Created Friday 2026-05-01 (JST): 3 business days skip the Golden Week holidays and the weekend."""
    created = datetime(2026, 5, 1, 1, 0)  # 10:00 JST
    first, resolve = due_dates(created, "normal")
    assert first == date(2026, 5, 11)  # 5/2-5/6 weekend + holidays: 5/7, 5/8, then Monday 5/11
    assert resolve > first
    assert due_dates(created, "urgent")[0] == date(2026, 5, 7)


def test_due_date_uses_jst_calendar(app):
    """23:30 UTC is already the next day in JST."""
    first, _ = due_dates(datetime(2026, 6, 4, 23, 30), "urgent")  # JST Fri 6/5 08:30
    assert first == date(2026, 6, 8)  # next business day after Friday is Monday


def test_is_overdue_rules(app, users):
    """Overdue = open and (no first response past its due date, or past the resolution due date)."""
    t = factories.make_ticket(users["requester"], first_response_due=date(2026, 3, 2), resolution_due=date(2026, 3, 30))
    assert not is_overdue(t, date(2026, 3, 2))  # due today is not overdue yet
    assert is_overdue(t, date(2026, 3, 3))
    t.first_response_at = datetime(2026, 3, 2, 1, 0)
    assert not is_overdue(t, date(2026, 3, 3))
    assert is_overdue(t, date(2026, 3, 31))
    t.status = "resolved"
    assert not is_overdue(t, date(2026, 4, 30))
    t.status = "in_progress"
    assert is_overdue(t, date(2026, 4, 30))
    t.status = "waiting"  # the resolution clock is stopped in 回答待ち (tests/desk/test_sla_pause.py)
    assert not is_overdue(t, date(2026, 4, 30))


def test_overdue_sql_matches_python(app, users):
    """The SQL expression selects exactly the tickets is_overdue() flags."""
    today = date(2026, 3, 10)
    cases = [
        dict(first_response_due=date(2026, 3, 9), resolution_due=date(2026, 4, 1)),  # no response, late
        dict(first_response_due=date(2026, 3, 9), resolution_due=date(2026, 4, 1),
             first_response_at=datetime(2026, 3, 5)),  # answered in time
        dict(first_response_due=date(2026, 3, 1), resolution_due=date(2026, 3, 9),
             first_response_at=datetime(2026, 3, 2)),  # resolution late
        dict(first_response_due=date(2026, 3, 1), resolution_due=date(2026, 3, 9), status="closed"),
        dict(first_response_due=None, resolution_due=None),
        dict(first_response_due=date(2026, 3, 10), resolution_due=date(2026, 3, 10)),  # due today
    ]
    tickets = [factories.make_ticket(users["requester"], **kw) for kw in cases]
    expected = {t.id for t in tickets if is_overdue(t, today)}
    got = set(db.session.scalars(select(Ticket.id).where(overdue_clause(today))))
    assert got == expected == {tickets[0].id, tickets[2].id}
