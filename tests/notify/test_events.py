"""Each event mails the right people, in Japanese, with a link and nothing more than it should."""
import pytest

from consult import notify
from models import MailOutbox, db
from tests import factories

BASE = "https://consult.pref.example.jp"


def _flush(app):
    """Commit the caller's transaction, then send (as the services do)."""
    db.session.commit()
    return notify.send_pending()


def _body(msg) -> str:
    """The decoded text body."""
    return msg.get_content()


@pytest.fixture
def ticket(users):
    """A ticket of the requester, handled by dx (main) and dx2 (backup)."""
    return factories.make_ticket(requester=users["requester"], status="triaged",
                                 main_handler=users["dx_staff"], backup_handler=users["dx_staff2"])


def test_new_ticket_goes_to_desk_address(app, users, smtp_sink):
    """CONSULT_DESK_EMAIL receives new tickets, with number, title, status and link."""
    app.config["CONSULT_DESK_EMAIL"] = "dx-desk@pref.example.jp"
    t = factories.make_ticket(requester=users["requester"])
    notify.queue_new_ticket(t)
    assert _flush(app) == 1
    [msg] = smtp_sink.to("dx-desk@pref.example.jp")
    assert msg["Subject"] == f"【業務DX相談窓口】新しい相談 {t.number} が届きました"
    body = _body(msg)
    assert t.title in body and "新規" in body and f"{BASE}/tickets/{t.number}" in body
    assert t.problem not in body and t.purpose not in body  # only the title leaves the system
    assert len(smtp_sink.envelopes) == 1


def test_new_ticket_without_desk_address_goes_to_active_dx_staff(app, users, smtp_sink):
    """Without CONSULT_DESK_EMAIL every active DX staff member is told; inactive ones and admins are not."""
    gone = factories.make_user("dx_gone", role="dx_staff", active=False)
    t = factories.make_ticket(requester=users["requester"])
    notify.queue_new_ticket(t)
    assert _flush(app) == 2
    rcpts = sorted(r for e in smtp_sink.envelopes for r in e.rcpt_tos)
    assert rcpts == sorted([users["dx_staff"].email, users["dx_staff2"].email])
    assert gone.email not in rcpts and users["admin"].email not in rcpts


def test_assignment_goes_to_handlers(app, users, ticket, smtp_sink):
    """The assigned handlers are told, once each."""
    notify.queue_assigned(ticket, [users["dx_staff"], users["dx_staff2"], users["dx_staff"], None])
    assert _flush(app) == 2
    for user in (users["dx_staff"], users["dx_staff2"]):
        [msg] = smtp_sink.to(user.email)
        assert msg["Subject"] == f"【業務DX相談窓口】相談 {ticket.number} の担当になりました"
        assert f"{BASE}/tickets/{ticket.number}" in _body(msg)
        assert "高橋 三郎" in _body(msg)  # main handler named


def test_public_reply_goes_to_requester_with_excerpt(app, users, ticket, smtp_sink):
    """A public reply mails the requester with a short excerpt of the reply only."""
    long_reply = "集計用のマクロを用意しました。\n\n手順書を添付します。" + "あ" * 400
    comment = factories.make_comment(ticket, users["dx_staff"], body=long_reply)
    notify.queue_public_reply(ticket, comment)
    assert _flush(app) == 1
    [msg] = smtp_sink.to(users["requester"].email)
    assert msg["Subject"] == f"【業務DX相談窓口】相談 {ticket.number} に回答がありました"
    body = _body(msg)
    assert "山田 花子 様" in body
    assert "集計用のマクロを用意しました。 手順書を添付します。" in body
    assert "あ" * 400 not in body and "…" in body
    assert f"{BASE}/tickets/{ticket.number}" in body
    assert [e.rcpt_tos for e in smtp_sink.envelopes] == [[users["requester"].email]]


def test_internal_note_is_refused_and_never_mailed(app, users, ticket, smtp_sink):
    """queue_public_reply refuses internal notes: nothing is queued and the requester gets nothing."""
    note = factories.make_comment(ticket, users["dx_staff"], body="内部メモ：所属長と調整中", internal=True)
    with pytest.raises(ValueError):
        notify.queue_public_reply(ticket, note)
    notify.queue_requester_reply(ticket, note)  # an internal comment is never a requester reply either
    assert _flush(app) == 0
    assert db.session.query(MailOutbox).count() == 0
    assert smtp_sink.envelopes == []


def test_status_change_goes_to_requester(app, users, ticket, smtp_sink):
    """A status change mails the requester with old and new status."""
    ticket.status = "waiting"
    notify.queue_status_changed(ticket, "triaged")
    assert _flush(app) == 1
    [msg] = smtp_sink.to(users["requester"].email)
    assert msg["Subject"] == f"【業務DX相談窓口】相談 {ticket.number} の状態が「回答待ち」になりました"
    assert "受付 → 回答待ち" in _body(msg)


def test_status_change_by_requester_goes_to_handlers(app, users, ticket, smtp_sink):
    """取下げ/再開/完了 by the requester's side mail the handlers, not the requester who did it."""
    ticket.status = "withdrawn"
    notify.queue_status_changed(ticket, "in_progress", actor=users["requester"])
    assert _flush(app) == 2
    for user in (users["dx_staff"], users["dx_staff2"]):
        [msg] = smtp_sink.to(user.email)
        assert "「取下げ」になりました" in msg["Subject"]
    assert smtp_sink.to(users["requester"].email) == []


def test_unchanged_status_sends_nothing(app, users, ticket, smtp_sink):
    """No mail when the status did not actually change."""
    notify.queue_status_changed(ticket, ticket.status)
    assert _flush(app) == 0


def test_requester_reply_goes_to_main_and_backup(app, users, ticket, smtp_sink):
    """A requester's reply mails both handlers, not the requester."""
    comment = factories.make_comment(ticket, users["requester"], body="追加の資料を送ります。")
    notify.queue_requester_reply(ticket, comment)
    assert _flush(app) == 2
    for user in (users["dx_staff"], users["dx_staff2"]):
        [msg] = smtp_sink.to(user.email)
        assert msg["Subject"] == f"【業務DX相談窓口】相談 {ticket.number} に相談者から返信がありました"
        assert "追加の資料を送ります。" in _body(msg)
    assert smtp_sink.to(users["requester"].email) == []


def test_requester_reply_without_handlers_goes_to_desk(app, users, smtp_sink):
    """While nobody is assigned, a requester's reply goes to the desk."""
    app.config["CONSULT_DESK_EMAIL"] = "dx-desk@pref.example.jp"
    t = factories.make_ticket(requester=users["requester"])
    comment = factories.make_comment(t, users["requester"], body="補足です。")
    notify.queue_requester_reply(t, comment)
    assert _flush(app) == 1
    assert len(smtp_sink.to("dx-desk@pref.example.jp")) == 1


def test_personal_information_ticket_has_no_excerpt(app, users, smtp_sink):
    """On a ticket flagged as containing personal information, reply text stays out of the mail."""
    t = factories.make_ticket(requester=users["requester"], contains_personal_info=True)
    comment = factories.make_comment(t, users["dx_staff"], body="山田太郎さん（生年月日 1980-01-01）の件")
    notify.queue_public_reply(t, comment)
    _flush(app)
    body = _body(smtp_sink.to(users["requester"].email)[0])
    assert "生年月日" not in body and "窓口の画面でご確認ください" in body


def test_inactive_or_addressless_requester_gets_nothing(app, users, ticket, smtp_sink):
    """No row for a requester without an address or with a deactivated account."""
    users["requester"].email = None
    db.session.commit()
    notify.queue_status_changed(ticket, "new")
    assert _flush(app) == 0
    assert db.session.query(MailOutbox).count() == 0


def test_mime_is_utf8_with_encoded_headers(app, users, ticket, smtp_sink):
    """The raw message has an RFC 2047 subject and a UTF-8 body."""
    notify.queue_status_changed(ticket, "new")
    _flush(app)
    raw = smtp_sink.envelopes[0].original_content
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    assert b"=?utf-8?" in header_block.lower()
    assert b'charset="utf-8"' in header_block.lower() or b"charset=utf-8" in header_block.lower()
    msg = smtp_sink.messages[0]
    assert msg["From"] == "dx-desk@pref.example.jp"
    assert msg["Message-ID"] and msg["Date"]


def test_mail_off_queues_nothing(app, users, ticket, smtp_sink):
    """With MAIL_SERVER empty, queue_* add no rows and send_pending sends nothing."""
    app.config["MAIL_SERVER"] = ""
    notify.queue_new_ticket(ticket)
    notify.queue_status_changed(ticket, "new")
    assert _flush(app) == 0
    assert db.session.query(MailOutbox).count() == 0
