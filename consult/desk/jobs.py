"""The desk's scheduled jobs (`flask --app app jobs run`): reminders in 回答待ち, auto-完了 of 解決, overdue digests.

Each job takes `now` (naive UTC) and works on the JST business-day calendar; none does anything on a day the
office is closed. Each is idempotent: a reminder per waiting period and a digest per handler and day are
claimed in `job_marks`; an auto-closed ticket is no longer 解決."""
from collections import defaultdict
from datetime import datetime

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from consult import audit, inbox, mail, notify
from consult.businessdays import business_days_between, is_business_day, to_jst, to_jst_date
from consult.jobs import claim, register
from consult.tickets import transitions
from models import JobMark, MailOutbox, Ticket, User, db

from .sla import OVERDUE_LABELS, overdue_clause, overdue_kinds

REMIND = "desk.remind_waiting"
CLOSE = "desk.auto_close"
DIGEST = "desk.overdue_digest"
CLOSED_DAY = "閉庁日のため何もしません"


def _mail_requester(ticket: Ticket, subject: str, template: str, days: int) -> None:
    """Queue one of the jobs' mails to the ticket's requester (the mail template receives `days`)."""
    notify._queue(ticket, notify._addresses([ticket.requester]), subject, template, days=days)


def _waiting_since(ticket: Ticket):
    """The JST date the ticket entered 回答待ち (older rows without the pause date: their last update)."""
    return ticket.sla_paused_on or to_jst_date(ticket.updated_at)


@register(REMIND, "回答待ちのまま相談者から返事のない相談に、催促のメールを1回だけ送る")
def remind_waiting(now: datetime) -> str:
    """One reminder to the requester of a ticket silent in 回答待ち for CONSULT_REMIND_AFTER_DAYS business days."""
    today = to_jst_date(now)
    if not is_business_day(today):
        return CLOSED_DAY
    days = current_app.config["CONSULT_REMIND_AFTER_DAYS"]
    done = set(db.session.scalars(select(JobMark.key).where(JobMark.job == REMIND)))
    sent = 0
    for ticket in db.session.scalars(select(Ticket).where(Ticket.status == "waiting").order_by(Ticket.id)).all():
        since = _waiting_since(ticket)
        key = f"{ticket.id}:{since.isoformat()}"
        if key in done or business_days_between(since, today) < days:
            continue
        if not claim(REMIND, key, now):
            continue
        audit.record("ticket.reminder_sent", "ticket", ticket.id, None,
                     after={"waiting_since": since.isoformat(), "business_days": business_days_between(since, today)})
        _mail_requester(ticket, f"相談 {ticket.number} について、お返事をお待ちしています", "waiting_reminder", days)
        db.session.commit()
        sent += 1
    notify.send_pending()
    return f"催促 {sent}件"


@register(CLOSE, "解決のまま確認のない相談を、所定の営業日が過ぎたら完了にする")
def auto_close(now: datetime) -> str:
    """Close (完了) tickets left in 解決 for CONSULT_AUTO_CLOSE_DAYS business days: audit event and mail to the requester."""
    if not is_business_day(to_jst_date(now)):
        return CLOSED_DAY
    days = current_app.config["CONSULT_AUTO_CLOSE_DAYS"]
    closed = 0
    ids = db.session.scalars(select(Ticket.id).where(Ticket.status == "resolved", Ticket.resolved_at.is_not(None),
                                                     Ticket.resolved_at < now).order_by(Ticket.id)).all()
    for ticket_id in ids:
        ticket = db.session.get(Ticket, ticket_id)
        if ticket is None or ticket.status != "resolved":
            continue
        waited = business_days_between(ticket.resolved_at, now)
        if waited < days:
            continue
        transitions.apply(ticket, "closed", None, now, notify_requester=False)
        audit.record("ticket.auto_closed", "ticket", ticket.id, None, after={"business_days": waited})
        inbox.add_status_changed(ticket, "resolved")
        _mail_requester(ticket, f"相談 {ticket.number} を完了にしました", "auto_closed", days)
        try:
            db.session.commit()
        except StaleDataError:  # someone reopened or closed it meanwhile: their change wins
            db.session.rollback()
            continue
        closed += 1
    notify.send_pending()
    return f"自動完了 {closed}件"


@register(DIGEST, "担当者ごとに、期限を過ぎた担当の相談のまとめを1日1回メールで送る")
def overdue_digest(now: datetime) -> str:
    """One mail per handler and business day (from CONSULT_DIGEST_HOUR JST) listing their overdue open tickets."""
    today = to_jst_date(now)
    if not is_business_day(today):
        return CLOSED_DAY
    if to_jst(now).hour < current_app.config["CONSULT_DIGEST_HOUR"]:
        return f"{current_app.config['CONSULT_DIGEST_HOUR']}時より前のため送りません"
    if not mail.enabled():
        return "メール送信が無効のため送りません"
    tickets = db.session.scalars(select(Ticket).where(overdue_clause(today)).order_by(
        Ticket.resolution_due, Ticket.id)).all()
    per_handler: dict[int, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        for handler_id in {ticket.main_handler_id, ticket.backup_handler_id} - {None}:
            per_handler[handler_id].append(ticket)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(per_handler) or [-1])))}
    sent = 0
    for handler_id, items in sorted(per_handler.items()):
        user = users.get(handler_id)
        if user is None or not user.active or not user.email:
            continue
        if not claim(DIGEST, f"{handler_id}:{today.isoformat()}", now):
            continue
        rows = [(t, "・".join(OVERDUE_LABELS[k] for k in overdue_kinds(t, today)), notify.ticket_url(t)) for t in items]
        body = render_template("mail/overdue_digest.txt", user=user, rows=rows, today=today)
        db.session.add(MailOutbox(recipient=user.email, subject=f"{notify.SUBJECT_PREFIX}期限を過ぎた担当の相談 {len(items)}件",
                                  body=body, ticket_id=None))
        db.session.commit()
        sent += 1
    notify.send_pending()
    return f"期限超過のまとめ {sent}通"
