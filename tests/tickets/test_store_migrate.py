"""`flask attachments to-database`: files of the filesystem store copied into the database store."""
import hashlib

from sqlalchemy import func, select

from consult.tickets import attachments as files
from consult.tickets import store
from models import Attachment, AttachmentBlob, AuditEvent, db

from .helpers import PDF, PNG, intake_data, upload


def _file_tickets(app, client, auth, contents):
    """Tickets with one attachment each, written while the store was the filesystem."""
    app.config["CONSULT_ATTACHMENT_STORE"] = "filesystem"
    auth.login("req")
    for i, content in enumerate(contents):
        data = intake_data()
        data["attachments"] = [upload(content, f"資料{i}.{'pdf' if content.startswith(b'%PDF') else 'png'}")]
        assert client.post("/tickets/new", data=data, content_type="multipart/form-data").status_code == 302
    app.config["CONSULT_ATTACHMENT_STORE"] = "database"
    return db.session.scalars(select(Attachment).order_by(Attachment.id)).all()


def _download(client, attachment):
    response = client.get(f"/tickets/{attachment.ticket.number}/attachments/{attachment.id}")
    body = response.get_data()
    response.close()
    return response.status_code, body


def test_files_move_into_the_database_verified_and_only_once(app, client, auth, users, runner):
    attachments = _file_tickets(app, client, auth, [PDF, PNG, PDF + b"%%EOF\n"])
    dry = runner.invoke(args=["attachments", "to-database", "--dry-run"])
    assert dry.exit_code == 0 and "移行できます: 3件" in dry.output
    assert db.session.scalar(select(func.count()).select_from(AttachmentBlob)) == 0

    result = runner.invoke(args=["attachments", "to-database"])
    assert result.exit_code == 0, result.output
    assert "移行しました: 3件、移行済み: 0件、ファイルなし: 0件、内容の不一致: 0件" in result.output
    for att in attachments:
        files.stored_path(att.stored_name).unlink()  # served from the database from now on
        status, body = _download(client, att)
        assert status == 200 and hashlib.sha256(body).hexdigest() == att.sha256

    again = runner.invoke(args=["attachments", "to-database"])
    assert again.exit_code == 0 and "移行しました: 0件、移行済み: 3件" in again.output
    assert db.session.scalar(select(func.count()).select_from(AttachmentBlob)) == 3
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attachments.migrated_to_database")).all()
    assert [e.after["moved"] for e in events] == [3]  # the second run changed nothing and recorded nothing


def test_missing_and_altered_files_are_reported_and_not_moved(app, client, auth, users, runner):
    good, missing, altered = _file_tickets(app, client, auth, [PDF, PNG, PDF + b"%%EOF\n"])
    files.stored_path(missing.stored_name).unlink()
    path = files.stored_path(altered.stored_name)
    path.write_bytes(path.read_bytes()[:-1] + b"X")  # same size, other bytes

    result = runner.invoke(args=["attachments", "to-database"])
    assert result.exit_code == 1
    assert "移行しました: 1件、移行済み: 0件、ファイルなし: 1件、内容の不一致: 1件" in result.output
    assert f"ファイルが見つかりません: 添付 {missing.id}" in result.output
    assert f"内容が記録と一致しません（sha256）: 添付 {altered.id}" in result.output
    assert set(db.session.scalars(select(AttachmentBlob.stored_name))) == {good.stored_name}


def test_refused_while_the_store_is_the_filesystem(app, runner):
    app.config["CONSULT_ATTACHMENT_STORE"] = "filesystem"
    result = runner.invoke(args=["attachments", "to-database"])
    assert result.exit_code == 1 and "CONSULT_ATTACHMENT_STORE=database" in result.output
    assert store.kind() == "filesystem"
