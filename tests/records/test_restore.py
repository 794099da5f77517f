"""A restore of a backup older than a disposal re-applies the disposal ledger: the record stays disposed."""
from datetime import datetime

from sqlalchemy import func, select

from consult.records import rules, service
from consult.records.store import attachment_exists
from models import Attachment, AuditEvent, Comment, DisposalEntry, RecordRetention, Ticket, db

from .conftest import make_completed


def test_restore_reapplies_disposals(app, runner, users, category, tmp_path, frozen):
    """Backup, then dispose, then restore the backup: files gone again, tombstone back, others untouched."""
    rules.set_rule(category.id, 1, "dispose", 0, users["admin"])
    disposed = make_completed(users["requester"], datetime(2021, 3, 31, 14, 0), category)
    kept = make_completed(users["requester"], datetime(2021, 3, 31, 14, 0), category)
    gone_file = db.session.scalar(select(Attachment.stored_name).where(Attachment.ticket_id == disposed.id))
    kept_file = db.session.scalar(select(Attachment.stored_name).where(Attachment.ticket_id == kept.id))
    gone_id, kept_id, number, admin_name = disposed.id, kept.id, disposed.number, users["admin"].name
    result = runner.invoke(args=["backup", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output

    frozen("2022-04-02")
    service.propose({disposed.id: 0}, service.schedule.today(), users["dx_staff"])
    service.approve(disposed.id, db.session.get(RecordRetention, disposed.id).version, users["admin"])
    assert "廃棄 1件" in runner.invoke(args=["jobs", "run"]).output
    assert not attachment_exists(gone_file)

    result = runner.invoke(args=["restore", "--force", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    assert f"再び廃棄した記録: 1件 {number}" in result.output
    db.session.expire_all()
    assert not attachment_exists(gone_file) and attachment_exists(kept_file)
    assert db.session.get(Ticket, gone_id).problem == ""
    assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.ticket_id == gone_id)) == 0
    assert db.session.get(Ticket, kept_id).problem != ""
    entry = db.session.scalar(select(DisposalEntry).where(DisposalEntry.ticket_id == gone_id))
    assert entry.approved_by_name == admin_name
    assert db.session.get(RecordRetention, gone_id).state == "disposed"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "record.disposal_reapplied")) is not None
    again = runner.invoke(args=["records", "reapply-ledger"])
    assert again.exit_code == 0 and "0件" in again.output  # idempotent


def test_reapply_ledger_rejects_a_broken_file(app, runner, tmp_path):
    """A malformed ledger line names the file and line and changes nothing."""
    bad = tmp_path / "ledger.jsonl"
    bad.write_text('{"number": "DX-2026-0001"}\nnot json\n', encoding="utf-8")
    result = runner.invoke(args=["records", "reapply-ledger", "--file", str(bad)])
    assert result.exit_code != 0 and "ledger.jsonl:2" in result.output
