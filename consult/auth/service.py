"""Authentication rules: lockout after repeated failures, password changes."""
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from consult.audit import record
from consult.errors import DomainError
from models import User, db, utcnow

from .passwords import hash_password, policy_problems, verify_password

LOGIN_FAILED = "ログインIDまたはパスワードが正しくないか、アカウントが一時的にロックされています"


class LoginFailed(DomainError):
    """Wrong login id, wrong password, locked or inactive: one message for all."""

    status = 200


def find_user(login: str) -> User | None:
    """Return the user with this login id (case-insensitive), or None."""
    return db.session.scalar(select(User).where(func.lower(User.login) == login.strip().lower()))


def authenticate(login: str, password: str) -> User:
    """Return the user if the password is right and the account usable; count failures and lock."""
    user = check_local_password(login, password)
    complete_login(user)
    return user


def is_locked(user: User) -> bool:
    """Whether the account is locked after repeated failures."""
    return bool(user.locked_until and user.locked_until > utcnow())


def register_failure(user: User) -> None:
    """Count a failed sign-in step (password or second factor) and lock after too many; commits."""
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= current_app.config["CONSULT_LOCKOUT_ATTEMPTS"]:
        user.locked_until = utcnow() + timedelta(minutes=current_app.config["CONSULT_LOCKOUT_MINUTES"])
        user.failed_logins = 0
        record("user.locked", "user", user.id, actor=None, after={"locked_until": user.locked_until.isoformat()})
    db.session.commit()


def check_local_password(login: str, password: str) -> User:
    """First factor against the local password hash: the user, or LoginFailed (failures counted)."""
    user = find_user(login)
    if user is None:
        verify_password(None, password)
        raise LoginFailed(LOGIN_FAILED)
    if is_locked(user):
        verify_password(None, password)
        raise LoginFailed(LOGIN_FAILED)
    if not verify_password(user.password_hash, password) or not user.active:
        register_failure(user)
        raise LoginFailed(LOGIN_FAILED)
    return user


def complete_login(user: User, method: str = "password") -> None:
    """Every factor passed: reset the failure count, note the time, audit the login; commits."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    if not user.session_token:
        user.session_token = secrets.token_hex(16)
    record("user.login", "user", user.id, actor=user, after={"method": method} if method != "password" else None)
    db.session.commit()


def set_password(user: User, new_password: str, actor: User | None = None, force_change: bool = False) -> None:
    """Store a new password after checking the policy; sessions elsewhere are ended."""
    problems = policy_problems(new_password, user.login, current_app.config["CONSULT_PASSWORD_MIN_LENGTH"])
    if problems:
        raise DomainError("。".join(problems))
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = force_change
    user.session_token = secrets.token_hex(16)
    record("user.password_changed", "user", user.id, actor=actor or user)
    db.session.commit()


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    """Change the user's own password after checking the current one."""
    if not verify_password(user.password_hash, current_password):
        raise DomainError("現在のパスワードが正しくありません")
    if current_password == new_password:
        raise DomainError("新しいパスワードは現在のものと違うものにしてください")
    set_password(user, new_password, actor=user)


def end_sessions(user: User) -> None:
    """Log out everywhere: a new session token makes every copy of the old session cookie worthless."""
    user.session_token = secrets.token_hex(16)
    record("user.logout", "user", user.id, actor=user)
    db.session.commit()


def load_user(identity: str) -> User | None:
    """Flask-Login loader: the id plus the session token that a password change rotates."""
    user_id, _, token = identity.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or (user.session_token or "") != token:
        return None
    return user
