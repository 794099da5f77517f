"""`jobs run` for the desk, with a frozen clock across a holiday and the year-end closure (12/29–1/3)."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from consult import jobs
from consult.desk.jobs import CLOSE, DIGEST, REMIND
from models import AuditEvent, Ticket, db
from tests import factories

JST = timedelta(hours=9)


def jst(y, m, d, h=10):
    """A naive-UTC moment for a JST wall-clock time."""
    return datetime(y, m, d, h) - JST


def run(name, y, m, d, h=10):
    """Run one job at a JST time; returns its summary."""
    (result,) = jobs.run_all(jst(y, m, d, h), only=[name])
    assert result.error is None, result.error
    return result.summary


def _count(action, ticket):
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_id == ticket.id))


def test_reminder_after_n_business_days_skipping_a_holiday_once(app, users, smtp_sink):
    """Waiting since Fri 11/20; Mon 11/23 is a holiday, so the 5th business day is Mon 11/30: one mail, once."""
    t = factories.make_ticket(users["requester"], status="waiting", sla_paused_on=date(2026, 11, 20))
    run(REMIND, 2026, 11, 27)  # 4 business days: nothing yet
    assert smtp_sink.to(users["requester"].email) == []
    run(REMIND, 2026, 11, 28)  # Saturday: nothing
    assert run(REMIND, 2026, 11, 30) == "催促 1件"
    assert run(REMIND, 2026, 11, 30, 11) == "催促 0件"  # the next run (15 minutes later) sends nothing twice
    run(REMIND, 2026, 12, 1)
    [msg] = smtp_sink.to(users["requester"].email)
    assert t.number in msg["Subject"] and "お返事をお待ちしています" in msg["Subject"]
    assert _count("ticket.reminder_sent", t) == 1


def test_new_waiting_period_gets_its_own_reminder(app, users, smtp_sink):
    """After a reply and a new 回答待ち, the new period is reminded again (one per period)."""
    t = factories.make_ticket(users["requester"], status="waiting", sla_paused_on=date(2026, 6, 1))
    run(REMIND, 2026, 6, 8)
    t.sla_paused_on = date(2026, 6, 10)
    db.session.commit()
    run(REMIND, 2026, 6, 12)
    run(REMIND, 2026, 6, 17)
    assert len(smtp_sink.to(users["requester"].email)) == 2


def test_auto_close_across_year_end_closure(app, users, smtp_sink):
    """Resolved Thu 12/24: 12/25, 12/28, then 1/4, 1/5, 1/6 (closure 12/29–1/3) → 完了 on Wed 2027-01-06."""
    t = factories.make_ticket(users["requester"], status="resolved", resolved_at=jst(2026, 12, 24),
                              root_cause="c", resolution_type="情報提供", resolution_summary="s")
    for day in [(2026, 12, 28), (2026, 12, 30), (2027, 1, 4), (2027, 1, 5)]:
        run(CLOSE, *day)
    db.session.refresh(t)
    assert t.status == "resolved"
    assert run(CLOSE, 2027, 1, 6) == "自動完了 1件"
    assert run(CLOSE, 2027, 1, 6, 11) == "自動完了 0件"
    db.session.refresh(t)
    assert t.status == "closed" and t.closed_at == jst(2027, 1, 6)
    assert _count("ticket.auto_closed", t) == 1 and _count("ticket.status_changed", t) == 1
    [msg] = smtp_sink.to(users["requester"].email)
    assert "完了にしました" in msg["Subject"] and "5営業日" in msg.get_content()


def test_daily_digest_per_handler(app, users, smtp_sink):
    """Each handler with overdue tickets gets one digest per business day, from 8:00 JST; nothing on holidays."""
    dx, dx2 = users["dx_staff"], users["dx_staff2"]
    late = factories.make_ticket(users["requester"], status="in_progress", title="遅れた相談", main_handler=dx,
                                 backup_handler=dx2, first_response_due=date(2026, 11, 2), resolution_due=date(2026, 11, 10),
                                 first_response_at=datetime(2026, 11, 1))
    factories.make_ticket(users["requester"], status="in_progress", main_handler=dx, resolution_due=date(2099, 1, 1))
    factories.make_ticket(users["requester"], status="waiting", main_handler=dx2, resolution_due=date(2026, 11, 1),
                          first_response_at=datetime(2026, 10, 1), sla_paused_on=date(2026, 10, 30))  # clock stopped
    assert "8時より前" in run(DIGEST, 2026, 11, 20, 7)
    assert run(DIGEST, 2026, 11, 20, 9) == "期限超過のまとめ 2通"
    assert run(DIGEST, 2026, 11, 20, 15) == "期限超過のまとめ 0通"
    assert run(DIGEST, 2026, 11, 23, 9) == "閉庁日のため何もしません"  # 勤労感謝の日
    run(DIGEST, 2026, 11, 24, 9)
    mails = smtp_sink.to(dx.email)
    assert len(mails) == 2 and len(smtp_sink.to(dx2.email)) == 2
    body = mails[0].get_content()
    assert late.number in body and "解決" in body and "期限を過ぎた担当の相談 1件" in mails[0]["Subject"]


def test_a_failing_job_does_not_stop_the_others(app, users, monkeypatch):
    """The registry runs every job; the broken one is reported with its error."""
    monkeypatch.setattr(jobs, "_REGISTRY", dict(jobs._REGISTRY))

    @jobs.register("test.broken")
    def broken(now):
        raise RuntimeError("boom")

    results = {r.name: r for r in jobs.run_all(jst(2026, 11, 24))}
    assert results["test.broken"].error == "RuntimeError: boom"
    assert results[REMIND].error is None and results[CLOSE].error is None


def test_cli_runs_all_jobs_and_rejects_unknown(app, users, runner):
    """`flask jobs run --now …` prints one line per job; an unknown --only is a one-line error, exit 1."""
    factories.make_ticket(users["requester"], status="waiting", sla_paused_on=date(2026, 11, 20))
    result = runner.invoke(args=["jobs", "run", "--now", "2026-11-30T10:00:00+09:00"])
    assert result.exit_code == 0, result.output
    assert f"{REMIND}: 催促 1件" in result.output and f"{CLOSE}: 自動完了 0件" in result.output
    again = runner.invoke(args=["jobs", "run", "--now", "2026-11-30T10:15:00+09:00"])
    assert f"{REMIND}: 催促 0件" in again.output
    bad = runner.invoke(args=["jobs", "run", "--only", "nope"])
    assert bad.exit_code != 0 and "そのようなジョブはありません" in bad.output
    assert runner.invoke(args=["jobs", "run", "--now", "昨日"]).exit_code != 0
    listed = runner.invoke(args=["jobs", "list"]).output
    assert REMIND in listed and DIGEST in listed


@pytest.mark.parametrize("status", ["in_progress", "closed"])
def test_only_waiting_tickets_are_reminded(app, users, smtp_sink, status):
    """Tickets not in 回答待ち get no reminder."""
    factories.make_ticket(users["requester"], status=status, sla_paused_on=date(2026, 11, 2))
    assert run(REMIND, 2026, 11, 30) == "催促 0件"
    assert Ticket.query.count() == 1


def test_reminder_and_digest_across_year_end_closure(app, users, smtp_sink):
    """Waiting since Fri 12/25: business days 12/28, 1/4, 1/5, 1/6, 1/7 (closure 12/29–1/3) → reminded on 1/7 only;
    the digest does nothing on a closure day and resumes on 1/4."""
    dx = users["dx_staff"]
    t = factories.make_ticket(users["requester"], status="waiting", sla_paused_on=date(2026, 12, 25))
    factories.make_ticket(users["requester"], status="in_progress", main_handler=dx, resolution_due=date(2026, 12, 24),
                          first_response_at=datetime(2026, 12, 1))
    for day in [(2026, 12, 28), (2027, 1, 4), (2027, 1, 6)]:
        assert run(REMIND, *day) == "催促 0件", day
    for day in [(2026, 12, 29), (2026, 12, 31), (2027, 1, 3)]:
        assert run(REMIND, *day) == "閉庁日のため何もしません", day
    assert smtp_sink.to(users["requester"].email) == []
    assert run(REMIND, 2027, 1, 7) == "催促 1件"
    assert run(REMIND, 2027, 1, 8) == "催促 0件"
    assert _count("ticket.reminder_sent", t) == 1
    assert run(DIGEST, 2026, 12, 30, 9) == "閉庁日のため何もしません"
    assert run(DIGEST, 2027, 1, 4, 9) == "期限超過のまとめ 1通"
    assert len(smtp_sink.to(dx.email)) == 1
