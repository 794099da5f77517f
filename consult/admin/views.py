"""Administration pages (placeholder until the admin area lands)."""
from flask import render_template

from consult.auth.guards import admin_required

from . import bp


@bp.route("/")
@admin_required
def index():
    """Admin home 管理."""
    return render_template("placeholder.html", title="管理")
