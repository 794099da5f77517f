"""Received / resolved per bucket (range counts) and the open backlog, at the edges of a custom period."""
from datetime import date

import pytest

from consult.reports import queries, service
from consult.reports.periods import resolve_period
from tests import factories

from .dataset import jst

# 4/15 (Wed) – 5/10 (Sun): 26 days, so weekly buckets from Monday 4/13; the first week is cut at 4/15.
PERIOD = dict(kind="custom", start=date(2026, 4, 15), end=date(2026, 5, 10))


@pytest.fixture
def tickets(app):
    """Tickets on both sides of the period's edges, with every way of having ended (or not)."""
    f = factories
    requester = f.make_user()
    rows = {
        # received and resolved before the period: never open inside it
        "P1": dict(status="closed", created_at=jst(2026, 4, 10), resolved_at=jst(2026, 4, 14, 23, 59), closed_at=jst(2026, 4, 20)),
        # open (reopened) although it still carries a resolved_at: open all along, but its resolved_at is counted as 解決
        "P2": dict(status="in_progress", created_at=jst(2026, 4, 14, 23, 59), resolved_at=jst(2026, 4, 20, 10)),
        # the period's first moment; withdrawn without resolution in the week of 4/20
        "P3": dict(status="withdrawn", created_at=jst(2026, 4, 15, 0, 0), withdrawn_at=jst(2026, 4, 22, 10)),
        # closed without a resolution in the week of 4/27
        "P4": dict(status="closed", created_at=jst(2026, 4, 16), closed_at=jst(2026, 5, 1, 10)),
        # the period's last moment
        "P5": dict(status="new", created_at=jst(2026, 5, 10, 23, 59)),
        # just after the period
        "P6": dict(status="new", created_at=jst(2026, 5, 11, 0, 0)),
        # resolved after the period: open at every point inside it
        "P7": dict(status="resolved", created_at=jst(2026, 4, 20), resolved_at=jst(2026, 5, 11, 0, 30)),
        # received before, resolved at the period's first moment
        "P8": dict(status="resolved", created_at=jst(2026, 4, 1), resolved_at=jst(2026, 4, 15, 0, 0)),
    }
    return {name: f.make_ticket(requester, **fields) for name, fields in rows.items()}


def test_received_and_resolved_per_bucket(tickets):
    """Only the part of each week inside the period counts; 'before' is everything earlier."""
    period = resolve_period(**PERIOD)
    assert [b.key for b in period.buckets()] == ["2026-04-13", "2026-04-20", "2026-04-27", "2026-05-04"]
    flow = queries.received_and_resolved(period)
    assert flow["received"] == {"before": 3, "2026-04-13": 2, "2026-04-20": 1, "2026-04-27": 0, "2026-05-04": 1}
    assert flow["resolved"] == {"before": 1, "2026-04-13": 1, "2026-04-20": 1, "2026-04-27": 0, "2026-05-04": 0}


def test_backlog_at_each_week_end(tickets):
    """Open before: P2, P8 (2). 4/19: +P3 +P4 −P8 = 3. 4/26: +P7 −P3 = 3. 5/3: −P4 = 2. 5/10: +P5 = 3."""
    d = service.dashboard(resolve_period(**PERIOD))
    assert d["charts"]["backlog"].series[0][1] == [3, 3, 2, 3]
    assert dict(d["charts"]["flow"].series) == {"受付": [2, 1, 0, 1], "解決": [1, 1, 0, 0]}
    assert (d["received_total"], d["resolved_total"]) == (4, 2)


def test_backlog_of_a_month_period(tickets):
    """April 2026 per month: open at 4/30 = P2, P4, P7 (P1, P3, P8 have ended; P5, P6 not yet received)."""
    d = service.dashboard(resolve_period("custom", date(2026, 1, 1), date(2026, 4, 30)))
    assert d["charts"]["backlog"].series[0][1] == [0, 0, 0, 3]
