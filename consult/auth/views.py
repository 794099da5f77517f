"""Login, logout and change-password pages."""
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from consult.core.extensions import limiter
from consult.errors import DomainError

from . import bp, login_flow, service, signin
from .forms import LoginForm, PasswordForm


def _safe_next(target: str | None) -> str | None:
    """Accept only a local path as the page to return to after login."""
    if not target:
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):  # CR/LF/tab: header injection or a 500
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _login_key() -> str:
    """Rate-limit key per account (the login id typed)."""
    return "login:" + (request.form.get("login", "") or "").strip().lower()[:64]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30/minute;200/hour", methods=["POST"])
@limiter.limit("10/minute", methods=["POST"], key_func=_login_key)
def login():
    """Show the login form and log the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = signin.first_factor(form.login.data, form.password.data)
        except (service.LoginFailed, signin.DirectoryDown) as exc:
            error = exc.message
        else:
            next_url = _safe_next(request.args.get("next"))
            if signin.needs_second_factor(user):
                return login_flow.start_second_factor(user, remember=bool(form.remember.data), next_url=next_url)
            service.complete_login(user)
            return login_flow.finish_login(user, remember=bool(form.remember.data), next_url=next_url)
    status = 200 if not (error or form.errors) else 422
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out and clear the session (a copied session cookie stops working too)."""
    if current_user.is_authenticated:
        service.end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("ログアウトしました。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password."""
    form = PasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            service.change_own_password(current_user, form.current.data, form.new.data)
        except DomainError as exc:
            error = exc.message
        else:
            login_user(current_user._get_current_object(), fresh=True)  # the session token rotated: keep this session
            flash("パスワードを変更しました。", "success")
            return redirect(url_for("main.home"))
    status = 200 if not (error or form.errors) else 422
    return render_template("auth/password.html", form=form, error=error), status
