"""DX-staff side: triage queue, assignment, workload board, status changes."""
from flask import Blueprint

bp = Blueprint("desk", __name__)


@bp.app_context_processor
def _panel_helpers() -> dict:
    """Let the ticket page (another blueprint) build the staff panel: `desk_panel_context(ticket)`, `desk_ticket_url(number)`."""
    from .actions import ticket_url
    from .panel import panel_context
    from .reply_status import reply_then_context

    return {"desk_panel_context": panel_context, "desk_ticket_url": ticket_url, "desk_reply_then": reply_then_context,
            "desk_user_name": _user_name, "desk_canned_for": _canned_for, "desk_related": _related}


def _related(ticket) -> list:
    """関連する相談 of `ticket` that the current user may see."""
    from flask_login import current_user

    from .links import related

    return related(ticket, current_user) if current_user.is_authenticated else []


def _canned_for(ticket) -> list[tuple[str, str]]:
    """(title, text filled in for `ticket`) of the active 定型文."""
    from .canned import active_replies, fill

    return [(r.title, fill(r.body, ticket)) for r in active_replies()]


def _user_name(user_id) -> str:
    """The name of the user with this id (for small notes such as 代理で登録)."""
    from models import User, db

    user = db.session.get(User, user_id) if user_id else None
    return user.name if user is not None else ""


@bp.app_template_filter("handler_name")
def handler_name(user) -> str:
    """A handler's name, with （無効） when the account has been deactivated."""
    return f"{user.name}（無効）" if user is not None and not user.active else getattr(user, "name", "")


from . import actions, printing, views, views_bulk, views_canned, views_intake, views_links, views_reply  # noqa: E402,F401
