"""The attachment store shared by every host: in the database (PostgreSQL default) or a marked directory."""
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult.tickets import store
from models import Attachment, AttachmentBlob, db

from .helpers import PDF, intake_data, upload


def _file_ticket(client, name="業務フロー.pdf", content=PDF):
    data = intake_data()
    data["attachments"] = [upload(content, name)]
    return client.post("/tickets/new", data=data, content_type="multipart/form-data")


def _download(client, attachment):
    response = client.get(f"/tickets/{attachment.ticket.number}/attachments/{attachment.id}")
    body = response.get_data()
    response.close()
    return response.status_code, body


def _files(root) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file() and p.name != store.MARKER]


@pytest.fixture
def database_store(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the database store is the PostgreSQL default")
    return app


@pytest.mark.parametrize("app_config", [{"CONSULT_ATTACHMENT_STORE": ""}])
def test_default_store_follows_the_database(app):
    assert store.kind() == ("database" if db.engine.dialect.name == "postgresql" else "filesystem")


def test_database_store_keeps_the_bytes_in_the_ticket_transaction(database_store, client, auth, users):
    auth.login("req")
    assert _file_ticket(client).status_code == 302
    attachment = db.session.scalars(select(Attachment)).one()
    blob = db.session.get(AttachmentBlob, attachment.stored_name)
    assert bytes(blob.data) == PDF
    assert _files(database_store.config["CONSULT_ATTACHMENTS"]) == []  # nothing on this host's disk
    assert _download(client, attachment) == (200, PDF)


def test_database_store_leaves_nothing_when_the_transaction_fails(database_store, client, auth, users, monkeypatch):
    from consult.tickets import service

    auth.login("req")

    def boom(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(service, "next_number", boom)
    assert _file_ticket(client).status_code == 500
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert db.session.scalar(select(func.count()).select_from(AttachmentBlob)) == 0


@pytest.mark.parametrize("app_config", [{"CONSULT_ATTACHMENT_STORE": "filesystem"}])
def test_filesystem_store_refuses_an_empty_directory(app, client, auth, users):
    """A host pointed at an empty (unmounted) directory answers 503, not 404 for every file."""
    auth.login("req")
    assert _file_ticket(client).status_code == 302
    root = Path(app.config["CONSULT_ATTACHMENTS"])
    assert (root / store.MARKER).is_file()
    attachment = db.session.scalars(select(Attachment)).one()
    assert _download(client, attachment) == (200, PDF)
    shutil.rmtree(root)
    root.mkdir()  # the NAS is not mounted: an empty mount point
    status, body = _download(client, attachment)
    assert status == 503
    assert "保存場所が利用できません" in body.decode()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["checks"]["attachments"].startswith("error")


def test_store_interface_save_open_exists_delete(app, users):
    from consult.tickets.attachments import Upload

    s = store.get_store()
    name = s.save(Upload(name="a.pdf", data=PDF, content_type="application/pdf"))
    db.session.commit()
    assert s.exists(name) and s.open(name) == PDF
    s.delete(name)
    db.session.commit()
    assert not s.exists(name)
    with pytest.raises(FileNotFoundError):
        s.open(name)
