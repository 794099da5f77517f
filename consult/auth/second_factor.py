"""Second-factor pages: the code at sign-in, enrolment (QR code), recovery codes, one's own settings."""
from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from consult.core.extensions import limiter

from . import bp, login_flow, service, signin, totp


class CodeForm(FlaskForm):
    """A six-digit code from the app, or a recovery code."""

    code = StringField("確認コード", validators=[DataRequired(message="確認コードを入力してください"), Length(max=32)])


def _pending_key() -> str:
    """Rate-limit key per half-signed-in account."""
    pending = session.get(login_flow.PENDING_KEY) or {}
    return f"2fa:{pending.get('uid', request.remote_addr)}"


def _expired():
    """Back to the login form when the pending step is gone."""
    flash("時間が経ったため、もう一度ログインしてください。", "warning")
    return redirect(url_for("auth.login"))


@bp.route("/login/second-factor", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"], key_func=_pending_key)
def second_factor():
    """Ask for the code of the authenticator app (or a recovery code) after the password."""
    user, pending = login_flow.pending_user()
    if user is None:
        return _expired()
    if user.totp_enabled_at is None:
        return redirect(url_for("auth.second_factor_setup"))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        if service.is_locked(user):
            error = service.LOGIN_FAILED
        else:
            try:
                method = totp.verify(user, form.code.data)
            except totp.SecondFactorError as exc:
                service.register_failure(user)
                error = exc.message
            else:
                service.complete_login(user, method="totp" if method == "totp" else "recovery_code")
                if method == "recovery":
                    flash(f"回復コードを使いました。残りは{totp.remaining_recovery_codes(user)}個です。", "warning")
                return login_flow.finish_login(user, remember=pending.get("remember", False), next_url=pending.get("next"))
    status = 200 if not (error or form.errors) else 422
    return render_template("auth/second_factor.html", form=form, error=error), status


@bp.route("/login/second-factor/setup", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"], key_func=_pending_key)
def second_factor_setup():
    """Enrolment of the second factor: at the sign-in of staff who have none, or from one's own settings page."""
    if current_user.is_authenticated:
        user, pending = current_user._get_current_object(), None
    else:
        user, pending = login_flow.pending_user()
        if user is None:
            return _expired()
    if user.totp_enabled_at is not None:
        return redirect(url_for("auth.two_factor") if pending is None else url_for("auth.second_factor"))
    totp.begin_enrolment(user)
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        try:
            codes = totp.confirm_enrolment(user, form.code.data)
        except totp.SecondFactorError as exc:
            if pending is not None:
                service.register_failure(user)
            error = exc.message
        else:
            if pending is not None:
                service.complete_login(user, method="totp_enrolment")
                login_flow.finish_login(user, remember=pending.get("remember", False), next_url=None)
            return render_template("auth/recovery_codes.html", codes=codes, enrolled=True)
    status = 200 if not (error or form.errors) else 422
    return render_template("auth/second_factor_setup.html", form=form, error=error, user=user,
                           qr=totp.qr_svg(user), secret=user.totp_secret, required=signin.needs_second_factor(user)), status


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor():
    """One's own second factor: state, new recovery codes, turning it off (requesters only)."""
    user = current_user._get_current_object()
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        action = request.form.get("action")
        try:
            if action == "disable":
                totp.disable_own(user, form.code.data, required=signin.second_factor_required(user))
                flash("2段階認証を解除しました。", "success")
                return redirect(url_for("auth.two_factor"))
            codes = totp.regenerate_recovery_codes(user, form.code.data)
        except totp.SecondFactorError as exc:
            error = exc.message
        else:
            return render_template("auth/recovery_codes.html", codes=codes, enrolled=False)
    status = 200 if not (error or form.errors) else 422
    return render_template("auth/two_factor.html", form=form, error=error, user=user,
                           remaining=totp.remaining_recovery_codes(user) if user.totp_enabled_at else 0,
                           required=signin.second_factor_required(user)), status
