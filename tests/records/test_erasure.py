"""After disposal no typed text or requester of the record is left in any of its database rows (SQLite and PostgreSQL).

The record is filed and answered through the real pages (so the ticket.created snapshot, the comment and attachment
events, the stored attachment — a blob row on PostgreSQL — are the app's own); mails, お知らせ and 満足度 are added as
the desk adds them. Every text column of every row that belongs to the record is then scanned for the typed strings.
"""
import json
from datetime import datetime

from sqlalchemy import or_, select, text

from consult import audit, inbox
from consult.desk.search_sql import FTS_TABLE, PG_TABLE, match_expression
from consult.records import rules, service
from consult.records.erase import REDACTED, TOMBSTONE_TITLE
from consult.records.store import attachment_exists
from models import (
    Attachment,
    AuditEvent,
    Comment,
    DisposalEntry,
    MailOutbox,
    RecordRetention,
    Ticket,
    TicketSatisfaction,
    db,
)
from tests.tickets.helpers import PDF, intake_data, upload

from .conftest import make_completed

TITLE = "議事録照合ツール導入の相談"
PURPOSE = "審議会の発言者を突き合わせるため"
PROBLEM = "発言者の聞き取りに毎回三日かかる"
BODY = "録音データは庶務係の共有フォルダにあります"
FILE_NAME = "発言者一覧.pdf"
RATING_COMMENT = "とても助かりました（人事課より）"
EXTENSION_REASON = "監査で参照予定（庶務係の依頼）"
CLOSED = datetime(2021, 3, 31, 14, 0)
TEXT_TABLES = ("tickets", "comments", "attachments", "mail_outbox", "notifications", "ticket_satisfaction",
               "disposal_entries", "record_retention")


def _file_and_answer(client, auth, users, category):
    """The requester files (with an attachment) and replies through the pages; mail, お知らせ and 満足度 follow."""
    auth.login("req")
    data = intake_data(title=TITLE, purpose=PURPOSE, problem=PROBLEM, category=str(category.id))
    data["attachments"] = [upload(PDF, FILE_NAME)]
    r = client.post("/tickets/new", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    ticket = db.session.scalar(select(Ticket).where(Ticket.title == TITLE))
    r = client.post(f"/tickets/{ticket.number}/reply", data={"body": BODY, "version": ticket.version})
    assert r.status_code == 302, r.get_data(as_text=True)
    auth.logout()
    ticket = db.session.get(Ticket, ticket.id, populate_existing=True)
    comment_id = db.session.scalar(select(Comment.id).where(Comment.ticket_id == ticket.id))
    # databases written before the one state machine (issue 12) hold replies' bodies in comment.added events
    audit.record("comment.added", "comment", comment_id, users["requester"],
                 after={"ticket": ticket.number, "internal": False, "body": BODY})
    ticket.status, ticket.closed_at, ticket.main_handler_id = "closed", CLOSED, users["dx_staff"].id
    inbox.add_assigned(ticket, [users["dx_staff"]])
    db.session.add(MailOutbox(recipient=users["requester"].email, subject=f"【DX相談】{TITLE}", ticket_id=ticket.id,
                              body=f"{users['requester'].name} 様\n{BODY}", sent_at=CLOSED))
    db.session.add(MailOutbox(recipient=users["requester"].email, subject=f"【DX相談】{TITLE}", ticket_id=ticket.id,
                              body=f"{users['requester'].name} 様\n{PROBLEM}"))  # not sent yet
    other = make_completed(users["colleague"], CLOSED, category, with_file=False, title="別の相談の題名")
    digest = "\n".join(f"{t.number}　{t.title}" for t in (ticket, other))  # the daily overdue digest's lines
    db.session.add(MailOutbox(recipient=users["dx_staff"].email, subject="【DX相談】期限を過ぎた担当の相談 2件",
                              body=digest, ticket_id=None))
    db.session.add(TicketSatisfaction(ticket_id=ticket.id, user_id=users["requester"].id, rating=5, comment=RATING_COMMENT))
    db.session.commit()
    return ticket


def _related_events(ticket_id, comment_ids, attachment_ids):
    """Audit events of the ticket, its comments and its attachments."""
    return list(db.session.scalars(select(AuditEvent).where(or_(
        (AuditEvent.object_type == "ticket") & (AuditEvent.object_id == ticket_id),
        (AuditEvent.object_type == "comment") & AuditEvent.object_id.in_(comment_ids or [-1]),
        (AuditEvent.object_type == "attachment") & AuditEvent.object_id.in_(attachment_ids or [-1]),
    )).order_by(AuditEvent.id).execution_options(populate_existing=True)))


def _plain(value) -> str:
    """A column value as text; JSON decoded first (SQLite stores Japanese in JSON as \\u escapes)."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value if isinstance(value, str) else ""


def _record_text(ticket_id, events) -> str:
    """Every text value of every row that belongs to the record, plus its keyword-index entry."""
    texts = []
    for name in TEXT_TABLES:
        table = db.Model.metadata.tables[name]
        column = table.c.id if name == "tickets" else table.c.ticket_id
        for row in db.session.execute(select(table).where(column == ticket_id)).mappings():
            texts += [_plain(v) for v in row.values()]
    for event in events:
        texts += [_plain(event.before), _plain(event.after)]
    if db.engine.dialect.name == "postgresql":
        texts += db.session.scalars(text(f"SELECT body FROM {PG_TABLE} WHERE ticket_id = :id"), {"id": ticket_id}).all()
    return "\n".join(t for t in texts if t)


def _keyword_hits(word: str) -> list[int]:
    """Ticket ids the 受付一覧 keyword index finds for `word`."""
    if db.engine.dialect.name == "postgresql":
        sql = f"SELECT ticket_id FROM {PG_TABLE} WHERE body LIKE :pattern"
        return list(db.session.scalars(text(sql), {"pattern": f"%{word.lower()}%"}))
    sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q"
    return list(db.session.scalars(text(sql), {"q": match_expression([word])}))


def test_disposal_leaves_no_typed_text_or_requester(app, client, auth, users, category, runner, frozen):
    """Title, texts, replies, file names, mails, お知らせ, 満足度, audit payloads and the keyword index lose every typed
    string and the requester; the tombstone and the audit events stay; a held record is untouched."""
    rules.set_rule(category.id, 1, "dispose", 0, users["admin"])
    ticket = _file_and_answer(client, auth, users, category)
    held = make_completed(users["requester"], CLOSED, category, title="開示請求中の相談記録")
    requester = users["requester"]
    service.extend(ticket.id, 1, EXTENSION_REASON, 0, users["dx_staff"])  # typed by staff: goes too
    typed = (TITLE, PURPOSE, PROBLEM, BODY, FILE_NAME, RATING_COMMENT, EXTENSION_REASON, requester.name, requester.email)
    comment_ids = list(db.session.scalars(select(Comment.id).where(Comment.ticket_id == ticket.id)))
    attachments = db.session.execute(select(Attachment.id, Attachment.stored_name)
                                     .where(Attachment.ticket_id == ticket.id)).all()
    assert comment_ids and attachments and attachment_exists(attachments[0].stored_name)
    events = _related_events(ticket.id, comment_ids, [a.id for a in attachments])
    before = _record_text(ticket.id, events)
    assert all(s in before for s in typed), "the scan must see the typed strings before disposal"
    assert ticket.id in _keyword_hits("議事録照合")
    held_events = _related_events(held.id, [], [])
    held_payloads = [(e.before, e.after) for e in held_events]

    frozen("2023-04-03")  # 1 year + 1 year extension from FY2020
    versions = {t.id: service.record_row(t.id).version for t in (ticket, held)}
    service.propose(versions, service.schedule.today(), users["dx_staff"])
    for t in (ticket, held):
        service.approve(t.id, db.session.get(RecordRetention, t.id).version, users["admin"])
    service.hold(held.id, "開示請求中", db.session.get(RecordRetention, held.id).version, users["dx_staff"])
    assert "廃棄 1件" in runner.invoke(args=["jobs", "run"]).output
    db.session.expire_all()

    after_events = _related_events(ticket.id, comment_ids, [a.id for a in attachments])
    after = _record_text(ticket.id, after_events)
    assert [s for s in typed if s in after] == []
    assert _keyword_hits("議事録照合") == [] and _keyword_hits("三日") == []
    assert not attachment_exists(attachments[0].stored_name)

    kept = db.session.get(Ticket, ticket.id)
    assert kept.title == TOMBSTONE_TITLE and kept.requester_id is None and kept.requester is None
    assert kept.number == ticket.number and kept.category_id == category.id and kept.department_id is not None
    assert kept.status == "closed" and kept.closed_at == CLOSED and kept.main_handler_id == users["dx_staff"].id
    entry = db.session.scalar(select(DisposalEntry).where(DisposalEntry.ticket_id == ticket.id))
    assert entry.number == ticket.number and entry.category_name == category.name and entry.department_name
    assert entry.approved_by_name == users["admin"].name and entry.disposed_at is not None
    assert db.session.get(RecordRetention, ticket.id).extension_years == 1
    assert db.session.scalar(select(TicketSatisfaction.rating).where(TicketSatisfaction.ticket_id == ticket.id)) == 5
    unsent = db.session.scalars(select(MailOutbox).where(MailOutbox.ticket_id == ticket.id, MailOutbox.sent_at.is_(None)))
    assert [m.attempts >= 12 for m in unsent] == [True]  # never sent later

    # the overdue digest (a mail of no one ticket) keeps the number, loses the title, and leaves the other ticket alone
    digest = db.session.scalar(select(MailOutbox.body).where(MailOutbox.ticket_id.is_(None)))
    assert ticket.number in digest and TITLE not in digest and "別の相談の題名" in digest

    # the audit trail: same events (plus the two of the disposal), typed values replaced, the rest kept
    assert [e.id for e in after_events][:len(events)] == [e.id for e in events]
    created = next(e for e in after_events if e.action == "ticket.created")
    assert created.after["title"] == REDACTED and created.after["number"] == ticket.number
    assert created.after["requester_id"] == requester.id and created.actor_id == requester.id
    added = next(e for e in after_events if e.action == "comment.added")
    assert added.after["body"] == REDACTED and added.after["ticket"] == ticket.number
    replied = next(e for e in after_events if e.action == "ticket.requester_replied")
    assert replied.after == {"comment_id": comment_ids[0], "internal": False}  # nothing typed: unchanged
    redacted = next(e for e in after_events if e.action == "record.redacted")
    assert redacted.after["audit_events"] >= 3 and redacted.after["mails"] == 2 and redacted.after["notifications"] == 1
    assert redacted.after["mentions_elsewhere"] == 1
    assert redacted.after["comments"] == 1 and redacted.after["attachments"] == 1 and "requester" in redacted.after["fields"]
    assert {"record.disposed", "retention.approved"} <= {e.action for e in after_events}

    # the held record is untouched
    held_now = db.session.get(Ticket, held.id)
    assert held_now.title == "開示請求中の相談記録" and held_now.requester_id == requester.id and held_now.problem
    assert db.session.scalar(select(Comment.id).where(Comment.ticket_id == held.id)) is not None
    assert [(e.before, e.after) for e in _related_events(held.id, [], [])][:len(held_payloads)] == held_payloads

    # pages cope with the missing requester: the tombstone, the department's list, the queue, the export
    auth.login("req_colleague")
    assert client.get(f"/tickets/{ticket.number}").status_code == 200
    mine = client.get("/tickets/mine")
    assert mine.status_code == 200 and TITLE not in mine.get_data(as_text=True)
    auth.logout()
    auth.login("dx")
    queue = client.get("/desk/?status=closed")
    assert queue.status_code == 200 and ticket.number in queue.get_data(as_text=True)
    assert ticket.number not in client.get("/desk/?q=議事録照合").get_data(as_text=True)
    export = client.get("/reports/export/tickets.csv?status=closed").get_data(as_text=True)
    rows = {line.split(",")[0].strip('"\ufeff'): line for line in export.splitlines()}
    assert TOMBSTONE_TITLE in rows[ticket.number] and requester.name not in rows[ticket.number] and TITLE not in export
    assert requester.name in rows[held.number]  # the held record's row still names its requester


def test_restore_reapply_also_redacts(app, runner, users, category, tmp_path, frozen):
    """A backup taken before the disposal, restored: the re-applied disposal removes the requester and typed text again."""
    rules.set_rule(category.id, 1, "dispose", 0, users["admin"])
    ticket = make_completed(users["requester"], CLOSED, category, title="復元後も消える題名")
    db.session.add(MailOutbox(recipient=users["requester"].email, subject="復元後も消える題名", body="本文", ticket_id=ticket.id))
    db.session.commit()
    ticket_id, name = ticket.id, users["requester"].name
    assert runner.invoke(args=["backup", str(tmp_path / "bk")]).exit_code == 0
    frozen("2022-04-02")
    service.propose({ticket_id: 0}, service.schedule.today(), users["dx_staff"])
    service.approve(ticket_id, db.session.get(RecordRetention, ticket_id).version, users["admin"])
    assert "廃棄 1件" in runner.invoke(args=["jobs", "run"]).output
    result = runner.invoke(args=["restore", "--force", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    kept = db.session.get(Ticket, ticket_id)
    assert kept.title == TOMBSTONE_TITLE and kept.requester_id is None and kept.problem == ""
    text_now = _record_text(ticket_id, _related_events(ticket_id, [], []))
    assert "復元後も消える題名" not in text_now and name not in text_now
    actions = [e.action for e in _related_events(ticket_id, [], [])]
    assert "record.disposal_reapplied" in actions and "record.redacted" in actions


def test_staff_ticket_page_links_to_the_retention_page(app, client, auth, users):
    """DX staff and admins see 保存期間（延長・保留） on the staff ticket page, and the link opens the record's page."""
    ticket = make_completed(users["requester"], CLOSED, with_file=False)
    link = f'href="/records/r/{ticket.number}"'
    for login in ("dx", "admin"):
        auth.login(login)
        page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
        assert link in page and "保存期間（延長・保留）" in page, login
        assert client.get(f"/records/r/{ticket.number}").status_code == 200
        auth.logout()
    auth.login("req")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert link not in page and "保存期間（延長・保留）" not in page
