"""DX-staff side: triage queue, assignment, workload board, status changes."""
from flask import Blueprint

bp = Blueprint("desk", __name__)


@bp.app_context_processor
def _url_helpers() -> dict:
    """`desk_ticket_url(number)`: the ticket page's URL, for templates of other blueprints (no data loaded)."""
    from .actions import ticket_url

    return {"desk_ticket_url": ticket_url}


@bp.app_template_filter("handler_name")
def handler_name(user) -> str:
    """A handler's name, with （無効） when the account has been deactivated."""
    return f"{user.name}（無効）" if user is not None and not user.active else getattr(user, "name", "")


from . import actions, printing, views, views_bulk, views_canned, views_intake, views_links, views_reply  # noqa: E402,F401
