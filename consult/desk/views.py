"""DX-staff pages (placeholder until the ticket lifecycle lands)."""
from flask import render_template

from consult.auth.guards import staff_required

from . import bp


@bp.route("/")
@staff_required
def queue():
    """One queue 受付一覧."""
    return render_template("placeholder.html", title="受付一覧")


@bp.route("/workload")
@staff_required
def workload():
    """Workload board 担当状況."""
    return render_template("placeholder.html", title="担当状況")
