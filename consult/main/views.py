"""The home page for each role and the 和暦 switch."""
from flask import redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from consult.auth.views import _safe_next

from . import bp


@bp.route("/")
@login_required
def home():
    """Send each role to where its work starts."""
    if current_user.is_staff:
        return redirect(url_for("desk.queue"))
    return render_template("main/home.html")


@bp.route("/preferences/wareki", methods=["POST"])
@login_required
def toggle_wareki():
    """Switch dates between 西暦 and 和暦 for this session."""
    session["wareki"] = not session.get("wareki")
    return redirect(_safe_next(request.form.get("next")) or url_for("main.home"))
