"""DX-staff side: triage queue, assignment, workload board, status changes."""
from flask import Blueprint

bp = Blueprint("desk", __name__)


@bp.app_context_processor
def _panel_helpers() -> dict:
    """Let the ticket page (another blueprint) build the staff panel: `desk_panel_context(ticket)`, `desk_ticket_url(number)`."""
    from .actions import ticket_url
    from .panel import panel_context

    return {"desk_panel_context": panel_context, "desk_ticket_url": ticket_url}


from . import actions, printing, views  # noqa: E402,F401
