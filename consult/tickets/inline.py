"""Viewing attachments in place: images and PDFs only (never HTML or SVG), with a restrictive CSP.

Images are served with a sandboxing CSP. Chromium refuses to start its built-in PDF viewer inside a sandboxed
document (no sandbox token re-enables it), so PDFs get the same `default-src 'none'` policy without the sandbox
token; like images they are served with the type fixed by the extension (checked against the file's content at
upload) and `nosniff`, so the bytes can never run as a page of this site."""

from flask import redirect, send_file, url_for
from flask_login import current_user, login_required

from consult import audit
from models import db

from . import bp, queries
from .access import get_visible_ticket
from .attachments import ALLOWED, content_disposition, extension
from .store import served

INLINE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
                "pdf": "application/pdf"}
IMAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
PDF_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'self'"


def inline_type(attachment) -> str | None:
    """The MIME type to show the attachment in place with, or None (download only)."""
    ext = extension(attachment.original_name or "")
    if ext not in INLINE_TYPES or ALLOWED.get(ext, (None, None))[1] != INLINE_TYPES[ext]:
        return None
    return INLINE_TYPES[ext]


@bp.app_context_processor
def _inline_helpers() -> dict:
    """`inline_type(a)` for the attachment lists."""
    return {"inline_type": inline_type}


@bp.route("/<number>/attachments/<int:attachment_id>/view")
@login_required
def view_attachment(number, attachment_id):
    """Show an image or a PDF in the browser; other types go to the ordinary download."""
    ticket = get_visible_ticket(number, current_user)
    attachment = queries.get_attachment(ticket, attachment_id, current_user)
    mimetype = inline_type(attachment)
    if mimetype is None:
        return redirect(url_for("tickets.download_attachment", number=number, attachment_id=attachment_id))
    source = served(attachment.stored_name)
    audit.record("attachment.viewed", "attachment", attachment.id, current_user,
                 after={"ticket": ticket.number, "name": attachment.original_name})
    db.session.commit()
    response = send_file(source, mimetype=mimetype, max_age=0, etag=False, conditional=False)
    response.headers["Content-Disposition"] = "inline" + content_disposition(attachment.original_name, attachment.id)[len("attachment"):]
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = PDF_CSP if mimetype == "application/pdf" else IMAGE_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response
