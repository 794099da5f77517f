"""Requester pages (placeholder until the ticket lifecycle lands)."""
from flask import render_template

from consult.auth.guards import roles_required

from . import bp


@bp.route("/new")
@roles_required("requester", "dx_staff")
def new():
    """Intake form 相談する."""
    return render_template("placeholder.html", title="相談する")


@bp.route("/mine")
@roles_required("requester", "dx_staff")
def mine():
    """My and my department's consultations."""
    return render_template("placeholder.html", title="自分の相談")
