"""POST endpoint of 「送信して回答待ちにする」「送信して解決にする」 (the reply box of the ticket page)."""
from flask import flash, redirect, request, url_for
from flask_login import current_user

from consult.auth.guards import staff_required
from consult.errors import ConflictError, DomainError, NotAllowed, NotFound
from consult.tickets.access import get_visible_ticket
from consult.tickets.attachments import chosen_names
from consult.tickets.views import _render_show, posted_reply  # the ticket page is the tickets blueprint's
from models import STATUS_LABELS

from . import bp
from .reply_status import TARGETS, reply_and_set_status, resolve_form


def _show(ticket, status, form, message, files):
    """The ticket page again with the reply (and resolution fields) kept and the message."""
    return _render_show(ticket, status, form, message, chosen_names(files))


@bp.route("/tickets/<number>/reply-then", methods=["POST"])
@staff_required
def reply_then(number):
    """Send the public reply and change the status to 回答待ち or 解決 in one step."""
    ticket = get_visible_ticket(number, current_user)
    target = request.form.get("then", "")
    form, files, uploads, ok = posted_reply()
    if target not in TARGETS:
        return _show(ticket, 400, form, "変更後の状態が正しくありません。", files)
    rf = resolve_form(ticket, posted=True)
    if target == "resolved" and not rf.validate():
        messages = [m for name, msgs in rf.errors.items() if name != "csrf_token" for m in msgs]
        return _show(ticket, 422, form, "解決にするには次を確認してください：" + "、".join(messages), files)
    if not ok:
        return _show(ticket, 422, form, None, files)
    resolution = {"root_cause": rf.root_cause.data, "resolution_type": rf.resolution_type.data,
                  "resolution_summary": rf.resolution_summary.data, "hours_saved_per_year": rf.hours_saved_per_year.data}
    try:
        reply_and_set_status(ticket, form.body.data, uploads, target, current_user, rf.posted_version(), resolution)
    except (NotAllowed, NotFound):
        raise
    except ConflictError as exc:
        return _show(get_visible_ticket(number, current_user), 409, form, exc.message, files)
    except DomainError as exc:
        return _show(ticket, exc.status, form, exc.message, files)
    flash(f"返信を送信し、状態を「{STATUS_LABELS[target]}」にしました。", "success")
    return redirect(url_for("tickets.show", number=ticket.number, _anchor="conversation"))
