"""POST endpoints of 関連する相談 (link) and 統合 (merge a duplicate) on the ticket page."""
from flask import flash, redirect, request, url_for
from flask_login import current_user

from consult.auth.guards import staff_required
from consult.errors import DomainError, NotAllowed, NotFound

from . import bp
from .links import link, merge
from .queries import get_ticket


def _run(number, operation, success):
    """Run one link operation and come back to the ticket page with a message."""
    ticket = get_ticket(number)
    try:
        result = operation(ticket, request.form.get("other", ""))
    except (NotAllowed, NotFound):
        raise
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("tickets.show", number=number, _anchor="related"))
    flash(success(result), "success")
    return redirect(url_for("tickets.show", number=result.number if operation is _merge else number, _anchor="related"))


def _merge(ticket, other):
    return merge(ticket, other, current_user)


@bp.route("/tickets/<number>/link", methods=["POST"])
@staff_required
def link_ticket(number):
    """Link another ticket as 関連する相談."""
    return _run(number, lambda t, o: link(t, o, current_user), lambda other: f"{other.number} を関連する相談にしました。")


@bp.route("/tickets/<number>/merge", methods=["POST"])
@staff_required
def merge_ticket(number):
    """Merge this (duplicate) ticket into another one."""
    return _run(number, _merge, lambda target: f"{number} を {target.number} に統合しました。")
