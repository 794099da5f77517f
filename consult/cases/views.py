"""Case pages (placeholder until the knowledge base lands)."""
from flask import render_template
from flask_login import login_required

from consult.auth.guards import staff_required

from . import bp


@bp.route("/")
@login_required
def index():
    """Browse 事例をさがす."""
    return render_template("placeholder.html", title="事例をさがす")


@bp.route("/manage")
@staff_required
def manage():
    """Drafts and published cases for DX staff."""
    return render_template("placeholder.html", title="事例の管理")
