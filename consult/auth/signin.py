"""The login service: chooses the directory or the local password, and whether a second factor follows."""
import logging

from flask import current_app

from consult.directory import client as directory
from consult.directory import mapping
from consult.directory import settings as directory_settings
from consult.errors import DomainError
from models import User, db

from . import service
from .service import LOGIN_FAILED, LoginFailed

log = logging.getLogger(__name__)



class DirectoryDown(DomainError):
    """The directory cannot be asked; local (break-glass) accounts still sign in."""

    status = 503


def _uses_local_password(user: User | None) -> bool:
    """A local account: not anchored in the directory and with a password of its own (e.g. break-glass admin)."""
    return user is not None and user.directory_id is None and bool(user.password_hash)


def first_factor(login: str, password: str) -> User:
    """Check login and password (directory or local); the user, or LoginFailed / DirectoryDown. No session yet."""
    local = service.find_user(login)
    if not directory_settings.configured() or _uses_local_password(local):
        return service.check_local_password(login, password)
    try:
        settings = directory_settings.load()
    except directory_settings.DirectoryConfigError as exc:
        log.error("directory settings: %s", exc.message)
        raise DirectoryDown("ディレクトリの設定に誤りがあるため、ログインできません。管理者に連絡してください") from exc
    return _directory_login(settings, login, password)


def _directory_login(settings, login: str, password: str) -> User:
    """Search the user with the service account, bind as the found DN, then create or refresh the account."""
    try:
        conn = directory.service_connection(settings)
        try:
            entry = directory.find_user(conn, settings, login)
            role = directory.role_of(conn, settings, entry) if entry else None
        finally:
            conn.unbind()
        if entry is None:
            raise LoginFailed(LOGIN_FAILED)
        user = mapping.local_for(entry)
        if not settings.role_groups:  # roles are managed here, not by directory groups
            role = user.role if user else "requester"
        if user is not None and service.is_locked(user):
            raise LoginFailed(LOGIN_FAILED)
        if not directory.check_password(settings, entry.dn, password):
            if user is not None:
                service.register_failure(user)
            raise LoginFailed(LOGIN_FAILED)
    except directory.DirectoryUnavailable as exc:
        raise DirectoryDown(exc.message) from exc
    if entry.disabled:
        raise LoginFailed(LOGIN_FAILED)
    departments = mapping.departments_by_code()
    values = mapping.wanted(entry, role, departments)
    code_known = entry.department_code in departments
    if user is not None and not code_known:
        values["department"] = user.department
    user = mapping.apply(user, entry, values, code_known, actor=None, source="login")
    db.session.commit()
    if not user.active:
        raise LoginFailed(LOGIN_FAILED)
    return user


def required_roles() -> set[str]:
    """Roles that must use the second factor (CONSULT_TOTP_REQUIRED_ROLES, by default DX staff and admins)."""
    raw = current_app.config.get("CONSULT_TOTP_REQUIRED_ROLES", "dx_staff,admin")
    return {r.strip() for r in (raw or "").split(",") if r.strip()}


def second_factor_required(user: User) -> bool:
    """Whether the user's role must use the second factor."""
    return user.role in required_roles()


def needs_second_factor(user: User) -> bool:
    """Required roles always; everyone else when they turned it on."""
    return second_factor_required(user) or user.totp_enabled_at is not None


def must_enrol(user: User) -> bool:
    """A second factor is required but not set up yet (enrolment at this sign-in)."""
    return needs_second_factor(user) and user.totp_enabled_at is None
