"""Mapping a directory entry onto a local User (shared by sign-in and `directory sync`)."""
from sqlalchemy import func, select

from consult.audit import record
from models import Department, User, db

from .client import DirectoryUser

FIELDS = ("login", "name", "email", "department", "role", "active")


def departments_by_code() -> dict[str, Department]:
    """Every department by its code (one query)."""
    return {d.code: d for d in db.session.scalars(select(Department))}


def local_for(entry: DirectoryUser) -> User | None:
    """The local account of a directory entry: by stable id, else an unanchored account with the same login
    and no local password (created by a bulk import), which is then anchored."""
    user = db.session.scalar(select(User).where(User.directory_id == entry.directory_id))
    if user is not None:
        return user
    return db.session.scalar(select(User).where(
        func.lower(User.login) == entry.login.lower(), User.directory_id.is_(None), User.password_hash == ""))


def wanted(entry: DirectoryUser, role: str, departments: dict[str, Department]) -> dict:
    """The values the local account should have; the department is None when its code is unknown."""
    dept = departments.get(entry.department_code or "")
    return {"login": entry.login, "name": entry.name[:100], "email": (entry.email or None),
            "department": dept, "role": role, "active": not entry.disabled}


def current(user: User) -> dict:
    """The account's values in the same shape as `wanted`."""
    return {"login": user.login, "name": user.name, "email": user.email, "department": user.department,
            "role": user.role, "active": user.active}


def differences(user: User | None, values: dict, code_known: bool) -> dict:
    """Changed fields as {field: [before, after]} (texts; the department by code). An unknown code changes nothing."""
    before = current(user) if user else dict.fromkeys(FIELDS)
    result = {}
    for key in FIELDS:
        old, new = before[key], values[key]
        if key == "department":
            if not code_known:
                continue
            old, new = getattr(old, "code", None), getattr(new, "code", None)
        if old != new:
            result[key] = [old, new]
    return result


def apply(user: User | None, entry: DirectoryUser, values: dict, code_known: bool, actor=None, source="sync") -> User:
    """Create or update the local account from the directory, with an audit event (the caller commits)."""
    if user is None:
        user = User(login=values["login"], name=values["name"], email=values["email"], role=values["role"],
                    department=values["department"], active=values["active"], password_hash="",
                    directory_id=entry.directory_id)
        db.session.add(user)
        db.session.flush()
        record("user.created", "user", user.id, actor=actor, after={
            "login": user.login, "role": user.role, "department": getattr(user.department, "code", None),
            "directory_id": entry.directory_id, "source": source})
        return user
    diff = differences(user, values, code_known)
    anchored_now = user.directory_id is None
    user.directory_id = entry.directory_id
    for key in diff:
        setattr(user, key, values[key])
    if diff.get("active") == [True, False]:
        user.session_token = None
    if diff or anchored_now:
        after = {k: v[1] for k, v in diff.items()}
        if anchored_now:
            after["directory_id"] = entry.directory_id
        record("user.directory_updated", "user", user.id, actor=actor,
               before={k: v[0] for k, v in diff.items()}, after={**after, "source": source})
    return user
