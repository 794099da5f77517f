"""印刷用の表示: a ticket as an A4 record for 回議・供覧 (header, content, public conversation, resolution)."""
from collections import defaultdict

from flask import render_template, request
from flask_login import current_user

from consult.auth.guards import staff_required
from consult.tickets.access import visible_comments
from consult.tickets.queries import status_history, visible_attachments
from models import utcnow

from . import bp
from .queries import get_ticket


@bp.route("/tickets/<number>/print")
@staff_required
def print_view(number):
    """The print view; internal notes only when the staff member ticked 「内部メモも印刷する」."""
    ticket = get_ticket(number)
    with_notes = request.args.get("notes") == "1"
    comments = [c for c in visible_comments(ticket, current_user) if with_notes or not c.internal]
    files = defaultdict(list)
    for attachment in visible_attachments(ticket, current_user):
        files[attachment.comment_id].append(attachment)
    return render_template("desk/print.html", ticket=ticket, comments=comments, files=files, with_notes=with_notes,
                           history=status_history(ticket), printed_at=utcnow(), title=f"{ticket.number} 印刷用の表示")
