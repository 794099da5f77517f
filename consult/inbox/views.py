"""The お知らせ page: list, open (marks read and goes to the ticket), mark all read."""
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from consult.markup import render_markdown
from models import Ticket, db

from . import bp, latest, mark_all_read, open_notice
from .mentions import resolver


@bp.app_template_filter("note_markdown")
def note_markdown(text):
    """An internal note as Markdown with its @mentions linked (only ever shown to DX staff)."""
    return render_markdown(text, mentions=resolver())


@bp.app_context_processor
def _inbox_helpers() -> dict:
    """`inbox_unread()` for the header link."""
    from . import unread_count

    def inbox_unread() -> int:
        return unread_count(current_user) if current_user.is_authenticated else 0

    return {"inbox_unread": inbox_unread}


@bp.route("/notifications")
@login_required
def index():
    """The current user's notices, newest first."""
    return render_template("inbox/index.html", title="お知らせ", notices=latest(current_user))


@bp.route("/notifications/<int:notice_id>")
@login_required
def open(notice_id):
    """Mark the notice read and open its ticket."""
    notice = open_notice(notice_id, current_user)
    if notice is None:
        abort(404)
    ticket = db.session.get(Ticket, notice.ticket_id) if notice.ticket_id else None
    return redirect(url_for("tickets.show", number=ticket.number) if ticket else url_for("inbox.index"))


@bp.route("/notifications/read", methods=["POST"])
@login_required
def read_all():
    """Mark every notice read."""
    n = mark_all_read(current_user)
    flash(f"{n}件のお知らせを既読にしました。" if n else "未読のお知らせはありません。", "success" if n else "info")
    return redirect(url_for("inbox.index"))
