"""Requester side: intake form, my/department tickets, ticket page, replies."""
from flask import Blueprint

bp = Blueprint("tickets", __name__)



@bp.app_context_processor
def _satisfaction_helpers() -> dict:
    """`ticket_satisfaction(ticket)` for the ticket page and `report_satisfaction(period)` for 実績."""
    from flask_login import current_user

    from models import SATISFACTION_LABELS

    from .satisfaction import can_rate, rating_of, summary

    def ticket_satisfaction(ticket) -> dict:
        rating = rating_of(ticket) if ticket.status == "closed" else None
        allowed = current_user.is_authenticated and rating is None and can_rate(ticket, current_user)
        return {"can_rate": allowed, "rating": rating, "labels": SATISFACTION_LABELS}

    return {"ticket_satisfaction": ticket_satisfaction, "report_satisfaction": summary}


from . import inline, views, views_satisfaction, views_similar  # noqa: E402,F401
