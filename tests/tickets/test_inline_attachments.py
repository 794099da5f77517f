"""Viewing attachments in place: images and PDFs inline with a restrictive CSP; every other type downloads."""
import pytest
from sqlalchemy import select

from models import Attachment, AuditEvent, db
from tests import factories

from .helpers import PDF, PNG, intake_data, upload


def _file(client, name, content) -> tuple[str, Attachment]:
    """File a ticket with one attachment; (ticket URL, attachment)."""
    data = intake_data()
    data["attachments"] = [upload(content, name)]
    location = client.post("/tickets/new", data=data, content_type="multipart/form-data").headers["Location"]
    return location, db.session.scalars(select(Attachment).order_by(Attachment.id.desc())).first()


def test_image_is_shown_inline_in_a_sandbox(client, auth, users):
    """A PNG: inline, type fixed, nosniff, a sandboxing CSP; the view is audited; the page links to it."""
    auth.login("req")
    location, a = _file(client, "写真 1.png", PNG)
    response = client.get(f"{location}/attachments/{a.id}/view")
    assert response.status_code == 200 and response.get_data() == PNG
    response.close()
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = response.headers["Content-Security-Policy"]
    assert "sandbox" in csp.split("; ") and "default-src 'none'" in csp
    page = client.get(location).get_data(as_text=True)
    assert f"/attachments/{a.id}/view" in page and "写真 1.png をブラウザで表示" in page
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attachment.viewed")).one().object_id == a.id


def test_pdf_is_shown_inline_without_script_sources(client, auth, users):
    """A PDF: inline, application/pdf, nosniff, nothing may load but the PDF itself."""
    auth.login("req")
    location, a = _file(client, "様式.pdf", PDF)
    response = client.get(f"{location}/attachments/{a.id}/view")
    response.close()
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'self'" in csp


@pytest.mark.parametrize(("name", "content"), [("メモ.txt", "メモ".encode()), ("一覧.csv", b"a,b\n1,2\n")])
def test_other_types_are_not_viewable_inline(client, auth, users, name, content):
    """Text-like files (that a browser could render as a page) only download; the view URL redirects there."""
    auth.login("req")
    location, a = _file(client, name, content)
    assert f"/attachments/{a.id}/view" not in client.get(location).get_data(as_text=True)
    response = client.get(f"{location}/attachments/{a.id}/view")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/attachments/{a.id}")


@pytest.mark.parametrize(("name", "mime"), [("page.html", "text/html"), ("logo.svg", "image/svg+xml"),
                                            ("trick.png.html", "image/png"), ("x.svg", "image/png")])
def test_html_and_svg_are_never_inline(app, client, auth, users, name, mime):
    """Even a stored row claiming an image type is not shown inline unless its name is a PNG/JPEG/GIF/PDF."""
    from consult.tickets.attachments import Upload, write_file

    ticket = factories.make_ticket(requester=users["requester"])
    stored = write_file(Upload(name=name, data=b"<svg onload=alert(1)>", content_type=mime))
    a = Attachment(ticket_id=ticket.id, original_name=name, stored_name=stored, content_type=mime, size=20,
                   sha256="0" * 64, uploaded_by_id=users["requester"].id)
    db.session.add(a)
    db.session.commit()
    auth.login("req")
    response = client.get(f"/tickets/{ticket.number}/attachments/{a.id}/view")
    assert response.status_code == 302


def test_view_follows_the_same_access_rules(client, auth, users):
    """Another department gets 404 for the inline view too."""
    auth.login("req")
    location, a = _file(client, "a.png", PNG)
    auth.logout()
    auth.login("req_other")
    assert client.get(f"{location}/attachments/{a.id}/view").status_code == 404
