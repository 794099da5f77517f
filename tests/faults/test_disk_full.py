"""The attachment disk is full: filing answers a Japanese error, keeps what was typed, creates nothing
(no ticket without its file, no truncated file), and works again once space is freed.

A real full disk (a 256 KiB tmpfs mounted over the attachment directory) when the test may mount,
else ENOSPC simulated on the file write."""
import errno
import os
import subprocess
from io import BytesIO

import pytest
from sqlalchemy import func, select

from models import Attachment, AuditEvent, Ticket, db

from .helpers import intake_fields, pdf


def _try_mount(path) -> bool:
    """Mount a 256 KiB tmpfs on path (needs root and a permissive container)."""
    if os.geteuid() != 0:
        return False
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(path)], capture_output=True)
    return result.returncode == 0


@pytest.fixture(params=["tmpfs", "simulated"])
def full_disk(request, app, monkeypatch):
    """Fill the attachment store (a real tmpfs when possible); yields a function that frees the space again."""
    root = app.config["CONSULT_ATTACHMENTS"]
    os.makedirs(root, exist_ok=True)
    mounted = request.param == "tmpfs" and _try_mount(root)
    try:
        yield _fill(root) if mounted else _simulate(monkeypatch)
    finally:
        if mounted:
            subprocess.run(["umount", root], check=False)


def _fill(root):
    """Fill the mounted tmpfs with one file; returns the function removing it."""
    filler = os.path.join(root, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return lambda: os.remove(filler)


def _simulate(monkeypatch):
    """Make every fsync fail with ENOSPC until the returned function is called."""
    real_fsync = os.fsync
    freed = {"done": False}

    def fake_fsync(fd):
        if not freed["done"]:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fake_fsync)
    return lambda: freed.update(done=True)


def _stored_files(root) -> list[str]:
    """Every file in the attachment store except the filler."""
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files if f not in ("filler", ".consult-attachment-store")]


def _post(client, title: str):
    """Submit 相談する with one PDF."""
    data = intake_fields("", title)
    data.pop("csrf_token")
    data["attachments"] = (BytesIO(pdf(60_000)), "業務フロー.pdf")
    return client.post("/tickets/new", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("app_config", [{"CONSULT_ATTACHMENT_STORE": "filesystem"}])  # a full disk of the file store
def test_full_disk_then_freed(app, users, client, auth, full_disk):
    """ENOSPC → Japanese message with the typed input kept and nothing created; after freeing, filing works."""
    auth.login("req")
    response = _post(client, "ディスクが一杯のときの相談")
    html = response.get_data(as_text=True)
    assert response.status_code in (422, 503)
    assert "添付ファイルを保存する領域が不足" in html
    assert "ディスクが一杯のときの相談" in html and "毎月2日かかり転記ミスもある" in html  # what was typed is back
    assert "Traceback" not in html and "Errno" not in html
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.object_type.in_(("ticket", "attachment")))) == 0
    assert _stored_files(app.config["CONSULT_ATTACHMENTS"]) == []  # no truncated or orphan file

    full_disk()
    response = _post(client, "空きができた後の相談")
    assert response.status_code == 302
    db.session.rollback()
    [ticket] = db.session.scalars(select(Ticket))
    assert ticket.title == "空きができた後の相談"
    [attachment] = db.session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id))
    assert attachment.size == 60_000
    assert _stored_files(app.config["CONSULT_ATTACHMENTS"]) != []
