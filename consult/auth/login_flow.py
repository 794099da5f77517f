"""Between the password and the session: the pending second-factor step kept in the session, and the final login."""
import time

from flask import flash, redirect, session, url_for
from flask_login import login_user

from models import User, db

PENDING_KEY = "second_factor"
PENDING_SECONDS = 300


def finish_login(user: User, remember: bool, next_url: str | None):
    """Start the signed-in session (every factor passed) and go on."""
    session.clear()  # a fresh session on login (no fixation)
    login_user(user, remember=remember)
    session.permanent = False
    if user.must_change_password and user.password_hash:
        flash("パスワードの変更が必要です。新しいパスワードを設定してください。", "warning")
        return redirect(url_for("auth.password"))
    flash(f"{user.name}さん、ようこそ。", "success")
    return redirect(next_url or url_for("main.home"))


def start_second_factor(user: User, remember: bool, next_url: str | None):
    """The password was right: remember who is half signed in and ask for the code (or the enrolment)."""
    session.clear()
    session[PENDING_KEY] = {"uid": user.id, "token": user.session_token or "", "remember": remember,
                            "next": next_url, "at": int(time.time())}
    if user.totp_enabled_at is None:
        return redirect(url_for("auth.second_factor_setup"))
    return redirect(url_for("auth.second_factor"))


def pending_user() -> tuple[User | None, dict]:
    """The half-signed-in user (None when there is none or it expired after five minutes)."""
    pending = session.get(PENDING_KEY) or {}
    if not pending or int(time.time()) - int(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None, {}
    user = db.session.get(User, int(pending["uid"]))
    if user is None or not user.active or (user.session_token or "") != pending.get("token", ""):
        return None, {}
    return user, pending
