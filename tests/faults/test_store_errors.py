"""Every write failure of the attachment store — read-only (EROFS), permission (EACCES), I/O error (EIO), not only
a full disk — gives the Japanese storage message with the typed consultation kept, and creates nothing
(audit finding 7). A real read-only mount when the test may mount; the errno simulated on the write otherwise."""
import errno
import os
import subprocess
from io import BytesIO

import pytest
from sqlalchemy import func, select

from models import Attachment, Ticket, db

from .helpers import intake_fields, pdf


def _post(client, url, title):
    data = intake_fields("", title)
    data.pop("csrf_token")
    data["attachments"] = (BytesIO(pdf(30_000)), "手順書.pdf")
    return client.post(url, data=data, content_type="multipart/form-data")


# These failures are of the file store (SQLite's default, or a shared NAS mount); on PostgreSQL the default store
# writes attachments into the database in the ticket's transaction.
pytestmark = pytest.mark.parametrize("app_config", [{"CONSULT_ATTACHMENT_STORE": "filesystem"}])


@pytest.fixture
def read_only_mount(app):
    root = app.config["CONSULT_ATTACHMENTS"]
    os.makedirs(root, exist_ok=True)
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", root],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here")
    yield
    subprocess.run(["umount", root], check=False)


def _fail_writes(monkeypatch, code):
    def failing_open(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    import consult.tickets.attachments as attachments

    monkeypatch.setattr(attachments, "open", failing_open, raising=False)


def _assert_refused_and_kept(response, title):
    html = response.get_data(as_text=True)
    assert response.status_code in (422, 503), html[:400]
    assert "添付ファイルを保存できなかった" in html or "添付ファイルを保存する領域が不足" in html
    assert title in html and "毎月2日かかり転記ミスもある" in html
    assert "Traceback" not in html and "Errno" not in html
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES, errno.EIO, errno.EPERM])
def test_store_write_failure_keeps_the_consultation(app, users, client, auth, monkeypatch, code):
    auth.login("req")
    _fail_writes(monkeypatch, code)
    _assert_refused_and_kept(_post(client, "/tickets/new", "保存に失敗する相談"), "保存に失敗する相談")


def test_real_read_only_store(app, users, client, auth, read_only_mount):
    auth.login("req")
    _assert_refused_and_kept(_post(client, "/tickets/new", "読み取り専用の相談"), "読み取り専用の相談")
