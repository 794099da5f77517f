"""Operations on departments and users shared by the CLI, the admin pages and the demo seed."""
import re

from flask import current_app
from sqlalchemy import func, select

from models import ROLES, Department, User, db

from .audit import record
from .auth.passwords import hash_password, policy_problems
from .errors import DomainError

LOGIN_RE = re.compile(r"^[A-Za-z0-9._-]{2,64}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(DomainError):
    """Bad input for a department or user operation."""


def get_department(code: str) -> Department | None:
    """Return the department with this code, or None."""
    return db.session.scalar(select(Department).where(Department.code == code))


def add_department(code: str, name: str, parent_code: str | None = None, actor=None) -> Department:
    """Add a department; an existing code or unknown parent is an error."""
    code, name = (code or "").strip(), (name or "").strip()
    if not code or len(code) > 32 or not re.fullmatch(r"[A-Za-z0-9_-]+", code):
        raise AccountError(f"所属コード {code!r} は英数字・-・_ の32文字以内にしてください")
    if not name or len(name) > 100:
        raise AccountError("所属名は1〜100文字で指定してください")
    if get_department(code):
        raise AccountError(f"所属コード {code} はすでに登録されています")
    parent = _existing_department(parent_code, "親の所属コード") if parent_code else None
    dept = Department(code=code, name=name, parent=parent)
    db.session.add(dept)
    db.session.flush()
    record("department.created", "department", dept.id, actor=actor, after={"code": code, "name": name, "parent": parent_code})
    db.session.commit()
    return dept


def _existing_department(code: str, what: str = "所属コード") -> Department:
    """The department with this code or AccountError (``what`` names the field in the message)."""
    dept = get_department(code)
    if dept is None:
        raise AccountError(f"{what} {code} が見つかりません")
    return dept


def find_user(login: str) -> User:
    """Return the user with this login id or raise AccountError."""
    user = db.session.scalar(select(User).where(func.lower(User.login) == (login or "").strip().lower()))
    if user is None:
        raise AccountError(f"ログインID {login} の利用者が見つかりません")
    return user


def _check_role(role: str) -> None:
    """Raise unless role is one of the three roles."""
    if role not in ROLES:
        raise AccountError(f"役割 {role!r} は使えません（requester, dx_staff, admin のいずれか）")


def create_user(login, *, name, role, password, department_code=None, email=None, actor=None, must_change_password=False) -> User:
    """Create a user after checking the login id, role, department and password policy."""
    login = (login or "").strip()
    if not LOGIN_RE.fullmatch(login):
        raise AccountError("ログインIDは英数字と . _ - の2〜64文字にしてください")
    if db.session.scalar(select(User.id).where(func.lower(User.login) == login.lower())):
        raise AccountError(f"ログインID {login} はすでに使われています")
    _check_role(role)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise AccountError("氏名は1〜100文字で指定してください")
    if email and not EMAIL_RE.fullmatch(email):
        raise AccountError(f"メールアドレス {email} の形式が正しくありません")
    dept = _existing_department(department_code) if department_code else None
    if dept is None and role == "requester":
        raise AccountError("所属職員（requester）には --department で所属を指定してください")
    problems = policy_problems(password or "", login, current_app.config["CONSULT_PASSWORD_MIN_LENGTH"])
    if problems:
        raise AccountError("。".join(problems))
    user = User(login=login, name=name, role=role, department=dept, email=email or None,
                password_hash=hash_password(password), must_change_password=must_change_password)
    db.session.add(user)
    db.session.flush()
    record("user.created", "user", user.id, actor=actor, after={"login": login, "role": role, "department": department_code})
    db.session.commit()
    return user


def set_role(login: str, role: str, actor=None) -> User:
    """Change a user's role, recorded in the audit log."""
    _check_role(role)
    user = find_user(login)
    before = user.role
    user.role = role
    record("user.role_changed", "user", user.id, actor=actor, before={"role": before}, after={"role": role})
    db.session.commit()
    return user


def deactivate(login: str, actor=None) -> User:
    """Deactivate a user; their records stay."""
    user = find_user(login)
    user.active = False
    user.session_token = None
    record("user.deactivated", "user", user.id, actor=actor, before={"active": True}, after={"active": False})
    db.session.commit()
    return user
