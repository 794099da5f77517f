"""Session lifetime (audit finding 11): a session ends after CONSULT_SESSION_IDLE_MINUTES (default 30) without a
request and CONSULT_SESSION_MAX_HOURS (default 12) after login, whatever the activity. Cookie sessions are
client-side, so the times live in the signed session itself (`_login_at`, `_seen_at`); a copied cookie dies
with them. On expiry the person is logged out (remember-me cookie too) and sent to the login page with
「再度ログインしてください」; an unsent 相談 form is kept as their draft first, so nothing typed is lost.

Kept apart from the login view: one before_request hook, installed by init_app.
"""
import time

from flask import Flask, current_app, flash, jsonify, redirect, request, session, url_for
from flask_login import current_user, logout_user

from consult.core.negotiation import wants_json

EXPIRED_MESSAGE = "一定時間が過ぎたため、ログアウトしました。再度ログインしてください。"
#: Requests a page's script makes by itself (progress polling): they do not count as the person being active.
PASSIVE_ENDPOINTS = frozenset({"reports.export_job_status"})
# `_seen_at` is rewritten at most once a minute: an unchanged session sends no cookie, so a background request
# (suggestions while typing, draft autosave) that ends after a form's redirect cannot put back an older cookie
# and drop the flash message or other state the redirect stored.
SEEN_RESOLUTION = 60
KEPT_MESSAGE = "書きかけの相談は下書きとして保存しました。ログイン後に「相談する」から続けられます。"


def _expired(now: float) -> bool:
    login_at, seen_at = session.get("_login_at"), session.get("_seen_at")
    if not isinstance(login_at, (int, float)) or not isinstance(seen_at, (int, float)):
        return False  # first request of this session (just logged in): the clock starts now
    idle = current_app.config.get("CONSULT_SESSION_IDLE_MINUTES", 30) * 60
    absolute = current_app.config.get("CONSULT_SESSION_MAX_HOURS", 12) * 3600
    return now - seen_at > idle or now - login_at > absolute


def _keep_typed_consultation(user) -> bool:
    """An intake form posted after expiry is saved as the person's draft (what they typed is not lost)."""
    if request.method != "POST" or request.endpoint != "tickets.new":
        return False
    from flask_wtf.csrf import CSRFError, validate_csrf
    from wtforms import ValidationError

    from consult.errors import DomainError
    from consult.tickets import service

    if current_app.config.get("WTF_CSRF_ENABLED", True):
        try:  # this hook runs before CSRFProtect: only the person's own form may write their draft
            validate_csrf(request.form.get("csrf_token"))
        except (ValidationError, CSRFError):
            return False
    try:
        service.save_draft(user, {k: v for k, v in request.form.items() if k in service.DRAFT_FIELDS})
    except DomainError:
        return False
    return True


def check_session():
    """before_request: end a session past its idle or absolute lifetime; otherwise note this request."""
    if request.endpoint in ("static", None) or not current_user.is_authenticated:
        return None
    now = time.time()
    if not _expired(now):
        if "_login_at" not in session:
            session["_login_at"] = now
        seen_at = session.get("_seen_at")
        if not isinstance(seen_at, (int, float)) or (request.endpoint not in PASSIVE_ENDPOINTS
                                                      and now - seen_at >= SEEN_RESOLUTION):
            session["_seen_at"] = now
        return None
    user = current_user._get_current_object()
    kept = _keep_typed_consultation(user)
    logout_user()
    session.clear()
    if wants_json():
        return jsonify(ok=False, error=EXPIRED_MESSAGE), 401
    flash(EXPIRED_MESSAGE, "warning")
    if kept:
        flash(KEPT_MESSAGE, "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else request.path
    return redirect(url_for("auth.login", next=target))


def init_app(app: Flask) -> None:
    """Install the lifetime check before every other per-request hook that needs the user."""
    app.config.setdefault("CONSULT_SESSION_IDLE_MINUTES", 30)
    app.config.setdefault("CONSULT_SESSION_MAX_HOURS", 12)
    app.before_request_funcs.setdefault(None, []).insert(0, check_session)
