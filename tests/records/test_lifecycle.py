"""Due list, two-step approval, disposal by `jobs run`, tombstone, holds — with a frozen clock."""
from datetime import datetime

from sqlalchemy import func, select

from consult.records import service
from consult.records.store import attachment_exists
from models import Attachment, AuditEvent, Case, Comment, DisposalEntry, RecordRetention, Ticket, db
from tests.factories import make_case

from .conftest import make_completed

CLOSED = datetime(2021, 3, 31, 14, 0)  # 2021-03-31 23:00 JST → FY2020 → 1 year ends 2022-03-31


def _setup_rule(category, years=1, action="dispose", actor=None):
    from consult.records import rules

    rules.set_rule(category.id, years, action, 0, actor)


def _propose_and_approve(client, auth, users, ticket, as_of="2022-04-01"):
    """DX staff proposes through the due list, the admin approves through the approvals page."""
    auth.login("dx")
    row = service.record_row(ticket.id)
    r = client.post("/records/propose", data={"as_of": as_of, "ticket": f"{ticket.id}:{row.version}"})
    assert r.status_code == 302, r.get_data(as_text=True)
    auth.logout()
    auth.login("admin")
    ret = db.session.get(RecordRetention, ticket.id, populate_existing=True)
    r = client.post(f"/records/{ticket.id}/approve", data={"version": ret.version})
    assert r.status_code == 302, r.get_data(as_text=True)
    auth.logout()


def test_due_list_across_the_fiscal_year_boundary(app, client, auth, users, category, runner, frozen):
    """Due on 4/1 after the 満了日, not on 3/31; open and 常用 records never; the list changes nothing."""
    _setup_rule(category, years=1)
    done = make_completed(users["requester"], CLOSED, category)
    late = make_completed(users["requester"], datetime(2021, 3, 31, 15, 30), category)  # 4/1 JST → FY2021
    from tests.factories import make_ticket

    make_ticket(requester=users["requester"], status="in_progress", category_id=category.id)
    frozen("2022-03-31")
    assert service.due_records(service.schedule.today()) == []
    frozen("2022-04-01")
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    assert [r.number for r in service.due_records(service.schedule.today())] == [done.number]
    result = runner.invoke(args=["records", "due", "--as-of", "2023-04-01"])
    assert result.exit_code == 0, result.output
    assert done.number in result.output and late.number in result.output and "2件" in result.output
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    auth.login("dx")
    page = client.get("/records/?as_of=2022-04-01").get_data(as_text=True)
    assert done.number in page and late.number not in page
    assert client.get("/records/?as_of=2022-13-01").status_code == 400


def test_two_steps_dispose_files_and_keep_tombstone(app, client, auth, users, category, runner, frozen):
    """Proposed by DX staff, approved by an admin, run by `jobs run`: files gone, tombstone and audit stay."""
    _setup_rule(category, years=1)
    ticket = make_completed(users["requester"], CLOSED, category)
    case = make_case(ref="R-1", title="集計の自動化", source_ticket_id=ticket.id)
    stored = db.session.scalar(select(Attachment.stored_name).where(Attachment.ticket_id == ticket.id))
    assert attachment_exists(stored)
    frozen("2022-04-02")
    _propose_and_approve(client, auth, users, ticket)
    result = runner.invoke(args=["jobs", "run"])
    assert result.exit_code == 0, result.output
    assert "廃棄 1件" in result.output

    db.session.expire_all()
    assert not attachment_exists(stored)
    assert db.session.scalar(select(func.count()).select_from(Attachment).where(Attachment.ticket_id == ticket.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.ticket_id == ticket.id)) == 0
    kept = db.session.get(Ticket, ticket.id)
    assert kept.number == ticket.number and kept.category_id == category.id and kept.problem == ""
    entry = db.session.scalar(select(DisposalEntry).where(DisposalEntry.ticket_id == ticket.id))
    assert entry.approved_by_name == users["admin"].name and entry.action == "dispose"
    assert entry.expires_on.isoformat() == "2022-03-31"
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == ticket.id,
                                                                      AuditEvent.object_type == "ticket")))
    assert {"retention.proposed", "retention.approved", "record.disposed"} <= actions

    for login in ("req", "dx"):
        auth.login(login)
        r = client.get(f"/tickets/{ticket.number}")
        body = r.get_data(as_text=True)
        assert r.status_code == 200 and "保存期間満了により廃棄済み" in body and "山田花子" not in body
        assert client.post(f"/tickets/{ticket.number}/reply", data={"body": "追記"}).status_code == 410
        auth.logout()
    auth.login("req_other")
    assert client.get(f"/tickets/{ticket.number}").status_code == 404
    auth.logout()
    auth.login("dx")
    case_page = client.get(f"/cases/{case.ref}").get_data(as_text=True)
    assert "保存期間満了により廃棄済み" in case_page
    assert "規程を確認して押印欄を削除し" in case_page  # the published case itself is not affected
    case_after = db.session.get(Case, case.id, populate_existing=True)
    assert case_after.status == "published" and case_after.source_ticket_id == ticket.id
    assert client.get("/reports/export/tickets.csv?status=closed").get_data(as_text=True).count(ticket.number) == 1
    assert runner.invoke(args=["jobs", "run"]).output.count("廃棄 0件") == 1  # idempotent


def test_held_records_are_untouched(app, client, auth, users, category, runner, frozen):
    """A hold (開示請求) after approval withdraws it; `jobs run` leaves the record and its file alone."""
    _setup_rule(category, years=1)
    ticket = make_completed(users["requester"], CLOSED, category)
    stored = db.session.scalar(select(Attachment.stored_name).where(Attachment.ticket_id == ticket.id))
    frozen("2022-04-02")
    _propose_and_approve(client, auth, users, ticket)
    auth.login("dx")
    ret = db.session.get(RecordRetention, ticket.id, populate_existing=True)
    r = client.post(f"/records/r/{ticket.number}/hold", data={"reason": "開示請求中", "version": ret.version})
    assert r.status_code == 302
    assert "廃棄 0件" in runner.invoke(args=["jobs", "run"]).output
    assert attachment_exists(stored) and db.session.get(Ticket, ticket.id, populate_existing=True).problem
    # not proposable while held
    ret = db.session.get(RecordRetention, ticket.id, populate_existing=True)
    r = client.post("/records/propose", data={"as_of": "2022-04-02", "ticket": f"{ticket.id}:{ret.version}"})
    assert r.status_code == 422 and "保留中" in r.get_data(as_text=True)
    r = client.post(f"/records/r/{ticket.number}/hold", data={"reason": "", "version": ret.version})
    assert r.status_code == 422 and "保留の理由を入力してください" in r.get_data(as_text=True)
    r = client.post(f"/records/r/{ticket.number}/release", data={"version": ret.version})
    assert r.status_code == 302
    assert db.session.get(RecordRetention, ticket.id, populate_existing=True).held is False


def test_approval_rules_and_version_check(app, client, auth, users, category, frozen):
    """Only admins approve, not their own proposal; a stale version is a 409 with a Japanese message."""
    _setup_rule(category, years=1)
    ticket = make_completed(users["requester"], CLOSED, category, with_file=False)
    frozen("2022-04-02")
    auth.login("dx")
    assert client.post("/records/propose", data={"as_of": "2022-04-02", "ticket": f"{ticket.id}:5"}).status_code == 409
    assert client.post("/records/propose", data={"as_of": "2022-03-31", "ticket": f"{ticket.id}:0"}).status_code == 422
    assert client.post("/records/propose", data={"as_of": "2022-04-02", "ticket": f"{ticket.id}:0"}).status_code == 302
    ret = db.session.get(RecordRetention, ticket.id, populate_existing=True)
    assert client.post(f"/records/{ticket.id}/approve", data={"version": ret.version}).status_code == 403
    auth.logout()
    auth.login("admin")
    stale = client.post(f"/records/{ticket.id}/approve", data={"version": ret.version - 1})
    assert stale.status_code == 409 and "ほかの人が先に" in stale.get_data(as_text=True)
    service.reject  # noqa: B018
    self_made = make_completed(users["requester"], CLOSED, category, with_file=False)
    service.propose({self_made.id: 0}, service.schedule.today(), users["admin"])
    ret2 = db.session.get(RecordRetention, self_made.id, populate_existing=True)
    r = client.post(f"/records/{self_made.id}/approve", data={"version": ret2.version})
    assert r.status_code == 403 and "別の文書管理者" in r.get_data(as_text=True)
    assert client.post(f"/records/{ticket.id}/reject", data={"version": ret.version}).status_code == 302
    assert db.session.get(RecordRetention, ticket.id, populate_existing=True).state is None


def test_extension_moves_the_expiry(app, client, auth, users, category, frozen):
    """延長 with a reason pushes 満了日 back; without a reason the form comes back with a message."""
    _setup_rule(category, years=1)
    ticket = make_completed(users["requester"], CLOSED, category, with_file=False)
    frozen("2022-04-02")
    auth.login("dx")
    r = client.post(f"/records/r/{ticket.number}/extend", data={"years": "2", "reason": "", "version": "0"})
    assert r.status_code == 422 and "延長の理由を入力してください" in r.get_data(as_text=True)
    r = client.post(f"/records/r/{ticket.number}/extend", data={"years": "2", "reason": "訴訟の可能性", "version": "0"})
    assert r.status_code == 302
    assert service.record_row(ticket.id).expiry.isoformat() == "2024-03-31"
    assert service.due_records(service.schedule.today()) == []
    page = client.get(f"/records/r/{ticket.number}").get_data(as_text=True)
    assert "2024/03/31" in page


def test_requesters_cannot_reach_records_pages(app, client, auth, users):
    """公文書 pages are for DX staff and admins; settings for admins only."""
    auth.login("req")
    for url in ("/records/", "/records/approvals", "/records/ledger", "/records/disposals", "/records/settings"):
        assert client.get(url).status_code == 403, url
    auth.logout()
    auth.login("dx")
    assert client.get("/records/settings").status_code == 403
