"""SLA pause in 回答待ち: the resolution clock stops, 解決期限 moves by the paused business days, audit events."""
from datetime import date, datetime

import pytest
from sqlalchemy import select

from consult.desk import service, sla
from consult.reports import timings
from consult.reports.periods import Period
from models import AuditEvent, Ticket, db
from tests import factories


class Clock:
    """A settable utcnow for the services that stamp times (naive UTC)."""

    def __init__(self, monkeypatch):
        self.now = datetime(2026, 1, 1)
        for module in ("consult.desk.service", "consult.desk.sla", "consult.tickets.lifecycle", "consult.tickets.transitions"):
            monkeypatch.setattr(f"{module}.utcnow", lambda: self.now)

    def set(self, *args):
        """Set the JST wall clock (y, m, d[, h]) — stored as UTC 9 hours earlier."""
        y, m, d, h = (*args, 10)[:4]
        self.now = datetime(y, m, d, h) - (datetime(2000, 1, 1, 9) - datetime(2000, 1, 1))


@pytest.fixture
def clock(monkeypatch):
    """A frozen, settable clock for the desk services."""
    return Clock(monkeypatch)


def _events(ticket, action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == ticket.id, AuditEvent.action == action)))


def test_pause_and_resume_move_resolution_due_over_holiday(app, users, clock):
    """Waiting Fri 2026-11-20 → Wed 11-25: Mon 11-23 is 勤労感謝の日, so 2 business days (Tue, Wed) are paused."""
    t = factories.make_ticket(users["requester"], status="in_progress", first_response_due=date(2026, 11, 10),
                              resolution_due=date(2026, 11, 30), first_response_at=datetime(2026, 11, 9))
    clock.set(2026, 11, 20)
    service.change_status(t, "waiting", t.version, users["dx_staff"])
    assert t.sla_paused_on == date(2026, 11, 20)
    assert len(_events(t, "ticket.sla_paused")) == 1
    clock.set(2026, 11, 25)
    service.change_status(t, "in_progress", t.version, users["dx_staff"])
    db.session.refresh(t)
    assert t.sla_paused_on is None and t.sla_paused_days == 2
    assert t.resolution_due == date(2026, 12, 2)  # Mon 11/30 + 2 business days
    (resumed,) = _events(t, "ticket.sla_resumed")
    assert resumed.before == {"resolution_due": "2026-11-30"}
    assert resumed.after["resolution_due"] == "2026-12-02" and resumed.after["paused_days"] == 2


def test_pause_across_year_end_closure(app, users, clock):
    """Waiting Fri 12/25 → Tue 1/5: 12/28, 1/4 and 1/5 are paused (weekend and 12/29–1/3 closure are not)."""
    t = factories.make_ticket(users["requester"], status="in_progress", resolution_due=date(2026, 12, 28),
                              first_response_at=datetime(2026, 12, 1))
    clock.set(2026, 12, 25)
    service.change_status(t, "waiting", t.version, users["dx_staff"])
    clock.set(2027, 1, 5)
    service.change_status(t, "in_progress", t.version, users["dx_staff"])
    assert t.sla_paused_days == 3
    assert t.resolution_due == date(2027, 1, 6)  # 12/28 + 3 business days: 1/4, 1/5, 1/6


def test_requester_reply_resumes_the_clock(app, users, clock):
    """A requester's reply on 回答待ち resumes work (対応中) and the clock, with the audit event."""
    from consult.tickets import lifecycle

    t = factories.make_ticket(users["requester"], status="in_progress", resolution_due=date(2026, 6, 30),
                              first_response_at=datetime(2026, 6, 1))
    clock.set(2026, 6, 1)
    service.change_status(t, "waiting", t.version, users["dx_staff"])
    clock.set(2026, 6, 4)
    lifecycle.reply(t, "確認しました。", [], users["requester"])
    assert t.status == "in_progress" and t.sla_paused_days == 3
    assert t.resolution_due == date(2026, 7, 3)
    assert len(_events(t, "ticket.sla_resumed")) == 1


def test_waiting_is_not_late_on_resolution_but_first_response_still_counts(app, users):
    """In 回答待ち only the first-response clock can be missed; Python and SQL agree."""
    today = date(2026, 3, 10)
    waiting_late_resolution = factories.make_ticket(
        users["requester"], status="waiting", resolution_due=date(2026, 3, 1), first_response_at=datetime(2026, 2, 2),
        sla_paused_on=date(2026, 3, 2))
    waiting_no_answer = factories.make_ticket(
        users["requester"], status="waiting", first_response_due=date(2026, 3, 2), resolution_due=date(2026, 4, 1),
        sla_paused_on=date(2026, 3, 2))
    running_late = factories.make_ticket(
        users["requester"], status="in_progress", first_response_due=date(2026, 3, 2), resolution_due=date(2026, 3, 9))
    assert sla.overdue_kinds(waiting_late_resolution, today) == []
    assert sla.overdue_kinds(waiting_no_answer, today) == ["first_response"]
    assert sla.overdue_kinds(running_late, today) == ["first_response", "resolution"]
    got = set(db.session.scalars(select(Ticket.id).where(sla.overdue_clause(today))))
    assert got == {waiting_no_answer.id, running_late.id}


def test_queue_shows_which_deadline_is_missed(app, dx, users):
    """The 期限超過 column names the missed deadline: 初回回答 when only the first response is late."""
    factories.make_ticket(users["requester"], status="triaged", title="初回だけ遅れ",
                          first_response_due=date(2020, 1, 6), resolution_due=date(2099, 2, 3))
    html = dx.get("/desk/").get_data(as_text=True)
    assert '<th scope="col">期限超過</th>' in html
    row = html.split(">初回だけ遅れ<")[1].split("</tr>")[0]
    assert '<span class="overdue">初回回答</span>' in row and ">解決<" not in row


def test_triage_keeps_paused_days(app, users, clock):
    """Changing the priority recomputes the due dates from receipt plus the days already paused."""
    t = factories.make_ticket(users["requester"], status="in_progress", created_at=datetime(2026, 6, 1),
                              sla_paused_days=3)
    plain = sla.due_dates(t.created_at, "high")[1]
    service.triage(t, None, "high", t.version, users["dx_staff"])
    from consult.businessdays import add_business_days
    assert t.resolution_due == add_business_days(plain, 3)


def test_report_resolution_days_are_net_of_the_pause(app, users):
    """実績: 受付から解決まで counts business days minus the days paused in 回答待ち."""
    factories.make_ticket(users["requester"], status="resolved", created_at=datetime(2026, 6, 1, 1),
                          resolved_at=datetime(2026, 6, 11, 1), sla_paused_days=4)
    period = Period("custom", date(2026, 6, 1), date(2026, 6, 30), "6月")
    result = timings.resolution(period)
    assert result["count"] == 1 and result["median"] == 8 - 4  # 6/1 → 6/11 is 8 business days
