"""Sending from the outbox: retries with backoff, never rolling back the change, never raising."""
from datetime import timedelta

from sqlalchemy import select

from consult import notify
from models import MailOutbox, Ticket, db, utcnow
from tests import factories


def _change_status_and_notify(ticket, target):
    """What a desk service does: change, queue in the same transaction, commit, then send."""
    old = ticket.status
    ticket.status = target
    notify.queue_status_changed(ticket, old)
    db.session.commit()
    return notify.send_pending()


def test_smtp_down_keeps_change_and_retries(app, users, smtp_sink):
    """SMTP down: the change is committed, the row keeps attempts=1 and the error; it goes out later."""
    ticket = factories.make_ticket(requester=users["requester"], status="triaged")
    smtp_sink.stop()

    assert _change_status_and_notify(ticket, "in_progress") == 0

    db.session.expire_all()
    assert db.session.scalar(select(Ticket.status).where(Ticket.id == ticket.id)) == "in_progress"
    row = db.session.scalars(select(MailOutbox)).one()
    assert row.sent_at is None and row.attempts == 1
    assert row.last_error and "Connection" in row.last_error
    assert row.next_attempt_at > utcnow()

    # Not due yet: a second run does not hammer the server.
    assert notify.send_pending() == 0
    assert db.session.get(MailOutbox, row.id).attempts == 1

    smtp_sink.start()
    row.next_attempt_at = utcnow() - timedelta(seconds=1)  # the backoff has elapsed
    db.session.commit()
    assert notify.send_pending() == 1
    db.session.expire_all()
    row = db.session.get(MailOutbox, row.id)
    assert row.sent_at is not None and row.attempts == 2 and row.last_error is None
    assert len(smtp_sink.to(users["requester"].email)) == 1


def test_sent_mail_is_not_sent_twice(app, users, smtp_sink):
    """A second run finds nothing to send."""
    ticket = factories.make_ticket(requester=users["requester"], status="triaged")
    assert _change_status_and_notify(ticket, "in_progress") == 1
    assert notify.send_pending() == 0
    assert len(smtp_sink.envelopes) == 1


def test_limit_is_respected(app, users, smtp_sink):
    """send_pending(limit) sends at most `limit` mails per run, oldest first."""
    ticket = factories.make_ticket(requester=users["requester"])
    for _ in range(3):
        notify.queue_new_ticket(ticket)  # 2 DX staff each time
    db.session.commit()
    assert notify.send_pending(limit=4) == 4
    assert notify.send_pending(limit=4) == 2
    assert notify.pending_count() == 0


def test_backoff_grows_and_is_capped():
    """1, 2, 4 … minutes, never more than two hours."""
    assert notify.backoff(1) == timedelta(minutes=1)
    assert notify.backoff(2) == timedelta(minutes=2)
    assert notify.backoff(4) == timedelta(minutes=8)
    assert notify.backoff(30) == timedelta(hours=2)


def test_gives_up_after_max_attempts(app, users, smtp_sink):
    """A row that failed MAX_ATTEMPTS times is no longer tried."""
    ticket = factories.make_ticket(requester=users["requester"])
    db.session.add(MailOutbox(recipient="x@pref.example.jp", subject="s", body="b", ticket_id=ticket.id,
                              attempts=notify.MAX_ATTEMPTS, last_error="boom"))
    db.session.commit()
    assert notify.send_pending() == 0
    assert smtp_sink.envelopes == []


def test_send_pending_never_raises(app, users, smtp_sink, monkeypatch):
    """Even an unexpected error inside send_pending is logged, not raised."""
    ticket = factories.make_ticket(requester=users["requester"])
    notify.queue_new_ticket(ticket)
    db.session.commit()

    def broken(limit):
        raise RuntimeError("database went away")

    monkeypatch.setattr(notify, "_claim", broken)
    assert notify.send_pending() == 0


def test_rejected_recipient_is_recorded(app, users, smtp_sink, monkeypatch):
    """A refused recipient fails only that row; the others in the batch are sent."""
    from consult import mail

    ticket = factories.make_ticket(requester=users["requester"])
    db.session.add_all([
        MailOutbox(recipient="bad@pref.example.jp", subject="s1", body="b", ticket_id=ticket.id),
        MailOutbox(recipient="good@pref.example.jp", subject="s2", body="b", ticket_id=ticket.id),
    ])
    db.session.commit()
    original = mail.Connection.send

    def picky(self, recipient, subject, body):
        if recipient.startswith("bad"):
            raise OSError("550 no such user")
        return original(self, recipient, subject, body)

    monkeypatch.setattr(mail.Connection, "send", picky)
    assert notify.send_pending() == 1
    bad = db.session.scalar(select(MailOutbox).where(MailOutbox.recipient == "bad@pref.example.jp"))
    assert bad.sent_at is None and bad.attempts == 1 and "550" in bad.last_error
    assert len(smtp_sink.to("good@pref.example.jp")) == 1


def test_cli_send_pending(app, runner, users, smtp_sink):
    """`flask mail send-pending` sends due mail and says how many."""
    ticket = factories.make_ticket(requester=users["requester"])
    notify.queue_new_ticket(ticket)
    db.session.commit()
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0, result.output
    assert "2件のメールを送信しました" in result.output
    assert len(smtp_sink.envelopes) == 2


def test_cli_send_pending_when_mail_is_off(app, runner, smtp_sink):
    """With mail off the command says so and succeeds."""
    app.config["MAIL_SERVER"] = ""
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0
    assert "無効" in result.output


def test_concurrent_senders_never_send_twice(app, users, smtp_sink):
    """Several senders at once: each mail goes out exactly once (claims are exclusive)."""
    import threading

    ticket = factories.make_ticket(requester=users["requester"])
    db.session.add_all([MailOutbox(recipient=f"r{i}@pref.example.jp", subject=f"s{i}", body="b", ticket_id=ticket.id)
                        for i in range(20)])
    db.session.commit()

    def worker():
        with app.app_context():
            notify.send_pending(limit=5)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    while notify.send_pending(limit=5):  # whatever a locked-out sender left behind
        pass
    rcpts = [r for e in smtp_sink.envelopes for r in e.rcpt_tos]
    assert sorted(rcpts) == sorted(f"r{i}@pref.example.jp" for i in range(20))
