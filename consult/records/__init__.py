"""公文書 lifecycle: retention schedule, 保存期間満了 due list, two-step disposal/transfer, ledgers."""
from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

bp = Blueprint("records", __name__)

# ticket pages that carry the ticket number in the URL: a disposed record answers with its tombstone there
_TICKET_ENDPOINT_PREFIXES = ("tickets.", "desk.", "cases.")


@bp.before_app_request
def tombstone_for_disposed_ticket():
    """Any page or action on a disposed ticket shows its tombstone (410 for actions), never the old page or a 500."""
    endpoint = request.endpoint or ""
    number = (request.view_args or {}).get("number")
    if not number or not endpoint.startswith(_TICKET_ENDPOINT_PREFIXES) or not current_user.is_authenticated:
        return None
    from consult.errors import NotFound
    from consult.tickets.access import get_visible_ticket

    from .disposal import tombstone

    allowed = getattr(current_app.view_functions.get(endpoint), "allowed_roles", None)
    if allowed is not None and current_user.role != "admin" and current_user.role not in allowed:
        return None  # the view's own guard answers 403
    try:
        ticket = get_visible_ticket(number, current_user)
    except NotFound:
        return None  # the view answers as it always does (404, or 403 for a role it refuses)
    entry = tombstone(ticket.id)
    if entry is None:
        return None
    status = 200 if request.method in ("GET", "HEAD") else 410
    return render_template("records/tombstone.html", title=f"{entry.number}（廃棄済み）", ticket=ticket, entry=entry), status


from . import views  # noqa: E402,F401
