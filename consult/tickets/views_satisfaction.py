"""POST endpoint of 満足度 (never a GET: mail scanners follow links)."""
from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from consult.errors import DomainError, NotAllowed, NotFound

from . import bp
from .access import get_visible_ticket
from .satisfaction import record_rating


@bp.route("/<number>/satisfaction", methods=["POST"])
@login_required
def satisfaction(number):
    """Record the requester's rating and comment on a 完了 consultation."""
    ticket = get_visible_ticket(number, current_user)
    try:
        record_rating(ticket, request.form.get("rating"), request.form.get("comment", ""), current_user)
    except (NotFound, NotAllowed):
        raise  # the plain 404 / 403 page: a refused person is not shown the ticket again
    except DomainError as exc:
        from .views import _render_show

        return _render_show(ticket, exc.status, error=exc.message)
    flash("ご回答ありがとうございました。今後の窓口の改善に使わせていただきます。", "success")
    return redirect(url_for("tickets.show", number=number))
