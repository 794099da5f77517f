"""What the staff side adds to the ticket page, built by the view before rendering (templates load no data)."""
from models import User, db

from .canned import active_replies, fill
from .panel import panel_context
from .reply_status import reply_then_context


def staff_sections(ticket, forms: dict | None = None) -> dict:
    """The side panel (`forms` replaces some of its forms: input kept after an error), the reply-then buttons, the
    定型文 filled in for this ticket, and who filed it on the requester's behalf."""
    filed_by = db.session.get(User, ticket.filed_by_id) if ticket.filed_by_id else None
    return {
        "desk_panel": panel_context(ticket, forms),
        "reply_then": reply_then_context(ticket),
        "canned_replies": [(r.title, fill(r.body, ticket)) for r in active_replies()],
        "filed_by_name": filed_by.name if filed_by is not None else "",
    }
