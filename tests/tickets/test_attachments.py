"""Attachments: allow-list by content, storage, download headers and access."""
import hashlib
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

from consult.tickets import attachments as att
from models import Attachment, AuditEvent, db
from tests import factories

from .helpers import EXE, PDF, PNG, intake_data, upload


def _docx() -> bytes:
    """A minimal .docx (always the same bytes)."""
    return factories.zip_bytes({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})


def _status(client, url) -> int:
    """GET a download and close it (the test client leaves streamed files open otherwise)."""
    response = client.get(url)
    response.close()
    return response.status_code


def _file_ticket(client, name, content):
    data = intake_data()
    data["attachments"] = [upload(content, name)]
    return client.post("/tickets/new", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize(
    ("name", "content"),
    [("a.pdf", PDF), ("b.png", PNG), ("c.docx", _docx()), ("d.xls", att.OLE_MAGIC + b"\x00" * 100),
     ("e.csv", "氏名,所属\n山田,人事課\n".encode("cp932")), ("f.txt", "メモ".encode()), ("g.zip", _docx()),
     ("h.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20), ("i.gif", b"GIF89a" + b"\x00" * 20)],
)
def test_allowed_types_pass_the_content_check(name, content):
    kind, _mime = att.ALLOWED[att.extension(name)]
    assert att.content_matches(kind, content)


@pytest.mark.parametrize(
    ("name", "content"),
    [("invoice.pdf", EXE), ("photo.png", PDF), ("table.xlsx", b"PK\x03\x04 not really a zip"), ("list.csv", b"a,b\x00c"),
     ("old.doc", PDF), ("notes.txt", b"\xff\xfe\x00\x00binary")],
)
def test_content_that_does_not_match_the_extension_is_refused(name, content):
    kind, _mime = att.ALLOWED[att.extension(name)]
    assert not att.content_matches(kind, content)


def test_exe_renamed_to_pdf_is_refused_and_form_kept(client, auth, users):
    auth.login("req")
    response = _file_ticket(client, "請求書.pdf", EXE)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "「請求書.pdf」は拡張子（.pdf）と中身が一致しないため添付できません。" in html
    assert "会議録の作成に時間がかかる" in html
    assert db.session.scalars(select(Attachment)).all() == []


def test_disallowed_extension_and_empty_file(client, auth, users):
    auth.login("req")
    html = _file_ticket(client, "setup.exe", EXE).get_data(as_text=True)
    assert "「setup.exe」は添付できない種類のファイルです" in html
    html = _file_ticket(client, "empty.pdf", b"").get_data(as_text=True)
    assert "「empty.pdf」は空のファイルです" in html


def test_total_size_limit(monkeypatch, client, auth, users):
    # A small limit keeps the body in memory (the test client spools big bodies to unclosed temp files).
    monkeypatch.setattr(att, "max_total_bytes", lambda: 1024 * 1024 // 10)
    auth.login("req")
    data = intake_data()
    data["attachments"] = [upload(PDF + b"0" * 60_000, "a.pdf"), upload(PDF + b"0" * 60_000, "b.pdf")]
    response = client.post("/tickets/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "添付ファイルの合計サイズが上限" in response.get_data(as_text=True)
    assert db.session.scalars(select(Attachment)).all() == []


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("../../etc/passwd.txt", "passwd.txt"), ("C:\\Users\\me\\報告書.pdf", "報告書.pdf"), ("a\x00b\u202ecod.pdf", "abcod.pdf"),
     ("..", "file"), ("", "file"), ("re:port?.pdf", "re_port_.pdf"), ("ファイル\u3099.pdf".replace("\u3099", "") , "ファイル.pdf")],
)
def test_filenames_are_sanitised(raw, clean):
    assert att.clean_filename(raw) == clean


def test_nfd_names_from_macos_become_nfc():
    assert att.clean_filename("ハ\u309aソコン.pdf") == "パソコン.pdf"


@pytest.mark.parametrize("app_config", [{"CONSULT_ATTACHMENT_STORE": "filesystem"}])  # the file layout
def test_traversal_name_is_stored_under_random_name(app, client, auth, users):
    auth.login("req")
    assert _file_ticket(client, "../../../evil.pdf", PDF).status_code == 302
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.original_name == "evil.pdf"
    assert len(attachment.stored_name) == 64 and "/" not in attachment.stored_name
    root = Path(app.config["CONSULT_ATTACHMENTS"])
    stored = att.stored_path(attachment.stored_name)
    assert stored.is_file() and root in stored.parents
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.size == len(PDF) and attachment.content_type == "application/pdf"


def test_download_with_japanese_filename(client, auth, users):
    auth.login("req")
    response = _file_ticket(client, "議事録 第1回.pdf", PDF)
    attachment = db.session.scalars(select(Attachment)).one()
    url = f"{response.headers['Location']}/attachments/{attachment.id}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.get_data() == PDF
    response.close()
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('議事録 第1回.pdf', safe='')}" in disposition
    assert 'filename="1.pdf"' in disposition or 'filename="attachment-' in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "application/pdf"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attachment.downloaded")).all()
    assert len(events) == 1 and events[0].object_id == attachment.id


def test_ascii_fallback_name():
    assert att.content_disposition("report.pdf", 3) == 'attachment; filename="report.pdf"; filename*=UTF-8\'\'report.pdf'
    assert 'filename="attachment-7.xlsx"' in att.content_disposition("集計表.xlsx", 7)


def test_other_department_gets_404_for_attachments(client, auth, users):
    auth.login("req")
    location = _file_ticket(client, "a.pdf", PDF).headers["Location"]
    attachment = db.session.scalars(select(Attachment)).one()
    url = f"{location}/attachments/{attachment.id}"
    auth.logout()
    auth.login("req_other")
    assert _status(client, url) == 404
    auth.logout()
    auth.login("req_colleague")
    assert _status(client, url) == 200
    auth.logout()
    auth.login("dx")
    assert _status(client, url) == 200


def test_attachment_of_another_ticket_is_404(client, auth, users):
    auth.login("req")
    _file_ticket(client, "a.pdf", PDF)
    attachment = db.session.scalars(select(Attachment)).one()
    other = factories.make_ticket(requester=users["requester"])
    assert _status(client, f"/tickets/{other.number}/attachments/{attachment.id}") == 404


def test_attachment_of_internal_note_is_hidden_from_requesters(app, client, auth, users):
    from consult.tickets.attachments import Upload, write_file

    ticket = factories.make_ticket(requester=users["requester"])
    note = factories.make_comment(ticket, users["dx_staff"], body="内部の検討メモ", internal=True)
    stored = write_file(Upload(name="内部資料.pdf", data=PDF, content_type="application/pdf"))
    attachment = Attachment(ticket_id=ticket.id, comment_id=note.id, original_name="内部資料.pdf", stored_name=stored,
                            content_type="application/pdf", size=len(PDF), sha256="0" * 64, uploaded_by_id=users["dx_staff"].id)
    db.session.add(attachment)
    db.session.commit()
    auth.login("req")
    assert "内部資料.pdf" not in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert _status(client, f"/tickets/{ticket.number}/attachments/{attachment.id}") == 404
    auth.logout()
    auth.login("dx")
    assert "内部資料.pdf" in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert _status(client, f"/tickets/{ticket.number}/attachments/{attachment.id}") == 200


def test_reply_with_attachment(client, auth, users):
    ticket = factories.make_ticket(requester=users["requester"], status="in_progress")
    auth.login("req_colleague")
    response = client.post(f"/tickets/{ticket.number}/reply", data={"body": "資料を添付します", "attachments": [upload(PNG, "画面.png")]},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.comment_id is not None
    assert "画面.png" in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
