"""Uploads: checked by content, size-limited with Japanese answers, stored under random names, never unpacked."""
import gc
import io
import warnings
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Attachment, db
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _zip(entries: dict[str, bytes]) -> bytes:
    """A deflated ZIP archive with these members (always the same bytes)."""
    return factories.zip_bytes(entries, zipfile.ZIP_DEFLATED)


def _reply(client, number, files, body="添付します"):
    """Post a reply with (filename, bytes) files."""
    data = {"body": body, "attachments": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/tickets/{number}/reply", data=data, content_type="multipart/form-data")


def _stored_files(app) -> list[Path]:
    """Every file under the attachments directory."""
    root = Path(app.config["CONSULT_ATTACHMENTS"])
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != ".consult-attachment-store")


def _attachments() -> list[Attachment]:
    """Attachment rows, oldest first."""
    db.session.expire_all()
    return list(db.session.scalars(select(Attachment).order_by(Attachment.id)))


@pytest.mark.parametrize(("name", "content", "message"), [
    ("report.pdf", PNG, "中身が一致しない"),
    ("photo.png", b"<html><script>alert(1)</script></html>", "中身が一致しない"),
    ("photo.jpg", PDF, "中身が一致しない"),
    ("data.xlsx", _zip({"a.txt": b"not office"}), "中身が一致しない"),
    ("memo.txt", b"MZ\x90\x00\x03\x00\x00\x00binary", "中身が一致しない"),
    ("setup.exe", b"MZ\x90\x00", "添付できない種類"),
    ("page.html", b"<html></html>", "添付できない種類"),
    ("image.svg", b"<svg onload=alert(1)></svg>", "添付できない種類"),
    ("noext", b"hello", "添付できない種類"),
    ("empty.txt", b"", "空のファイル"),
])
def test_type_is_checked_by_content(app, as_role, world, name, content, message):
    """Extension and magic bytes must agree; refused files are named in a Japanese message; nothing is stored."""
    files_before, rows_before = _stored_files(app), len(_attachments())
    response = _reply(as_role("requester"), world.ticket.number, [(name, content)], body="本文は残る")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and "本文は残る" in page  # what was typed comes back
    assert _stored_files(app) == files_before and len(_attachments()) == rows_before


def test_too_large_total_is_refused_in_japanese(app, as_role, world):
    """Over CONSULT_MAX_UPLOAD_MB: a form error (just over) or the Japanese 413 page (far over)."""
    app.config["CONSULT_MAX_UPLOAD_MB"] = 1
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024 + 256 * 1024
    client = as_role("requester")
    just_over = _reply(client, world.ticket.number, [("big.txt", b"a" * (1024 * 1024 + 10))])
    assert just_over.status_code == 422 and "上限（1MB）" in just_over.get_data(as_text=True)
    far_over = _reply(client, world.ticket.number, [("huge.txt", b"a" * (3 * 1024 * 1024))])
    page = far_over.get_data(as_text=True)
    assert far_over.status_code == 413 and "ファイルが大きすぎます" in page and '<html lang="ja">' in page
    assert len(_attachments()) == 1  # only the world's attachment
    del just_over, far_over
    with warnings.catch_warnings():  # werkzeug drops its half-written spool file when the limit stops parsing
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.mark.parametrize("name", ["../../../../etc/cron.d/evil.txt", "..\\..\\windows\\evil.txt", "/etc/passwd.txt",
                                  "a/../../b.txt", "evil\x00.txt", "con.txt", "\u202eexe.txt"])
@pytest.mark.parametrize("app_config", [{"CONSULT_ATTACHMENT_STORE": "filesystem"}])  # the file layout
def test_no_path_traversal(app, as_role, world, tmp_path, name):
    """Whatever the name, the file is stored under a random name inside the attachments directory."""
    root = Path(app.config["CONSULT_ATTACHMENTS"]).resolve()
    response = _reply(as_role("requester"), world.ticket.number, [(name, b"plain text\n")])
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    row = _attachments()[-1]
    assert "/" not in row.original_name and "\\" not in row.original_name and "\x00" not in row.original_name
    assert "\u202e" not in row.original_name
    for path in _stored_files(app):
        assert path.resolve().is_relative_to(root)
        assert path.name == path.name.strip() and len(path.name) == 64  # random hex, nothing of the user's name
    assert not (tmp_path / "etc").exists()


def test_japanese_name_is_shown_and_downloaded_as_uploaded(app, as_role, world):
    """The display and download name is what the user chose; the stored name is random."""
    name = "集計表（令和6年度）第2版.xlsx"
    xlsx = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    client = as_role("requester")
    assert _reply(client, world.ticket.number, [(name, xlsx)]).status_code == 302
    row = _attachments()[-1]
    assert row.original_name == name and name not in row.stored_name
    page = client.get(f"/tickets/{world.ticket.number}").get_data(as_text=True)
    assert name in page
    download = client.get(f"/tickets/{world.ticket.number}/attachments/{row.id}")
    assert download.data == xlsx
    assert "filename*=UTF-8''" in download.headers["Content-Disposition"]
    download.close()


@pytest.mark.parametrize("app_config", [{"CONSULT_ATTACHMENT_STORE": "filesystem"}])  # the file layout
def test_archives_are_stored_as_they_are(app, as_role, world):
    """A ZIP (even one holding ../ names) is kept as one file: nothing is unpacked anywhere."""
    archive = _zip({"../../outside.txt": b"escape", "inner/readme.txt": b"hello"})
    before = _stored_files(app)
    assert _reply(as_role("requester"), world.ticket.number, [("資料.zip", archive)]).status_code == 302
    after = _stored_files(app)
    assert len(after) == len(before) + 1
    new = (set(after) - set(before)).pop()
    assert new.read_bytes() == archive
    assert not any(p.name in ("outside.txt", "readme.txt") for p in Path(app.config["CONSULT_ATTACHMENTS"]).parent.rglob("*"))


def test_too_many_files(app, as_role, world):
    """More than 20 files at once: a Japanese message, nothing stored."""
    files = [(f"f{i}.txt", b"x") for i in range(21)]
    response = _reply(as_role("requester"), world.ticket.number, files)
    assert response.status_code == 422 and "20個まで" in response.get_data(as_text=True)
    assert len(_attachments()) == 1
