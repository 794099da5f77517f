"""Business days computed in SQL (the calendar handed to the database as a lookup table), checked by hand."""
from datetime import date, timedelta

import pytest

from consult.businessdays import business_day_ordinal, business_day_ordinals
from consult.reports import timings
from consult.reports.periods import resolve_period
from models import db, dialects
from tests import factories

from .dataset import jst

JANUARY = dict(kind="custom", start=date(2026, 1, 1), end=date(2026, 1, 31))


@pytest.fixture
def answered(app):
    """Tickets first answered in January 2026 across the year-end closure, 成人の日 and JST midnights."""
    f = factories
    requester = f.make_user()
    tickets = [
        # Fri 12/26 17:00 → Mon 1/5 09:00: 12/29–1/3 closed, weekend → 1; due 1/5 met.
        dict(created_at=jst(2025, 12, 26, 17), first_response_at=jst(2026, 1, 5, 9), first_response_due=date(2026, 1, 5)),
        # Fri 1/9 23:59 → Tue 1/13 00:00: weekend and 成人の日 (Mon 1/12) → 1; due 1/12 missed.
        dict(created_at=jst(2026, 1, 9, 23, 59), first_response_at=jst(2026, 1, 13, 0, 0), first_response_due=date(2026, 1, 12)),
        # Same day → 0; no due date.
        dict(created_at=jst(2026, 1, 14, 10), first_response_at=jst(2026, 1, 14, 15)),
        # Thu 1/29 23:30 → Fri 1/30 00:30 JST (the same UTC date): 1; due 1/30 met.
        dict(created_at=jst(2026, 1, 29, 23, 30), first_response_at=jst(2026, 1, 30, 0, 30), first_response_due=date(2026, 1, 30)),
        # Fri 12/26 10:00 → Thu 1/1 00:00 JST (the period's first moment): closure and weekend → 0.
        dict(created_at=jst(2025, 12, 26, 10), first_response_at=jst(2026, 1, 1, 0, 0)),
        # Received in 2019, before the ordinals' epoch, answered on Tue 1/20: 1,467 business days; due missed.
        dict(created_at=jst(2019, 12, 27, 10), first_response_at=jst(2026, 1, 20, 10), first_response_due=date(2020, 1, 6)),
        # Answered on 2/1 00:00 JST: outside the period.
        dict(created_at=jst(2026, 1, 30, 10), first_response_at=jst(2026, 2, 1, 0, 0), first_response_due=date(2026, 2, 3)),
    ]
    return [f.make_ticket(requester, status="waiting", **fields) for fields in tickets]


def test_first_response_in_business_days(answered):
    """[1, 1, 0, 1, 0, 1467] → median 1, p90 1467; 2 of 4 with a due date answered in time."""
    fr = timings.first_response(resolve_period(**JANUARY))
    assert (fr["count"], fr["median"], fr["p90"], fr["with_due"], fr["met"]) == (6, 1, 1467, 4, 2)
    assert timings.business_days(jst(2019, 12, 27, 10), jst(2026, 1, 20, 10)) == 1467


def test_period_reaching_years_beyond_the_data(answered):
    """Up to 2030: the 2/1 answer joins (Fri 1/30 → Sun 2/1 = 0, due 2/3 met): [0, 0, 0, 1, 1, 1, 1467]."""
    fr = timings.first_response(resolve_period("custom", date(2025, 12, 1), date(2030, 11, 30)))
    assert (fr["count"], fr["median"], fr["p90"], fr["with_due"], fr["met"]) == (7, 1, 1467, 5, 3)


def test_resolution_in_business_days(app):
    """Resolved across Golden Week and on the same day: [3, 0] → median 0, p90 3."""
    requester = factories.make_user()
    for created, resolved in [(jst(2026, 5, 1, 10), jst(2026, 5, 11, 16)), (jst(2026, 5, 12, 9), jst(2026, 5, 12, 18))]:
        factories.make_ticket(requester, status="resolved", created_at=created, first_response_at=created,
                              resolved_at=resolved, resolution_due=date(2026, 5, 8))
    res = timings.resolution(resolve_period("custom", date(2026, 5, 1), date(2026, 5, 31)))
    assert (res["count"], res["median"], res["p90"], res["with_due"], res["met"]) == (2, 0, 3, 2, 0)


def test_sqlite_without_unixepoch_gives_the_same(answered, monkeypatch):
    """SQLite before 3.38 has no unixepoch(): strftime('%s') gives the same figures."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    monkeypatch.setattr(dialects, "_HAS_UNIXEPOCH", False)
    fr = timings.first_response(resolve_period(**JANUARY))
    assert (fr["count"], fr["median"], fr["p90"], fr["with_due"], fr["met"]) == (6, 1, 1467, 4, 2)


def test_empty_period_and_database(app):
    """No tickets: no median, no share, and no lookup table needed."""
    fr = timings.first_response(resolve_period(**JANUARY))
    assert (fr["count"], fr["median"], fr["p90"], fr["share"]) == (0, None, None, None)


def test_business_day_ordinals_match_one_by_one():
    """The range table equals business_day_ordinal day by day, across years and the 2020 epoch."""
    first, last = date(2019, 12, 20), date(2021, 1, 10)
    table = business_day_ordinals(first, last)
    assert table == [business_day_ordinal(first + timedelta(days=i)) for i in range((last - first).days + 1)]
    assert business_day_ordinals(date(2026, 5, 5), date(2026, 5, 5)) == [business_day_ordinal(date(2026, 5, 5))]
    assert business_day_ordinals(date(2026, 5, 6), date(2026, 5, 5)) == []
