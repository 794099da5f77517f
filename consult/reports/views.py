"""Reports (placeholder until reports land)."""
from flask import render_template

from consult.auth.guards import staff_required

from . import bp


@bp.route("/")
@staff_required
def dashboard():
    """Dashboard 実績."""
    return render_template("placeholder.html", title="実績")
