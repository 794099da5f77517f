"""Administration operations on users, departments and categories: rules, one transaction, audit."""
import secrets

from flask import current_app
from sqlalchemy import func, select

from consult import accounts
from consult.audit import apply_changes, diff, record, snapshot
from consult.auth.passwords import hash_password, policy_problems
from consult.errors import DomainError, NotFound
from consult.paging import paginate
from models import ROLES, Category, Department, MailOutbox, User, db, utcnow
from models.querying import any_contains

USER_FIELDS = ("name", "email", "department_id", "role", "active")
PER_PAGE = 30


class AdminError(DomainError):
    """A rule of the admin area was broken."""


# --- users ----------------------------------------------------------------------------------------

def get_user(user_id: int) -> User:
    """The user with this id, or NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("利用者が見つかりません")
    return user


def list_users(role=None, department_id=None, active=None, q=None, page=1, per_page=PER_PAGE):
    """A page of users filtered by role, department, active flag and login/name text."""
    stmt = select(User).order_by(User.login)
    if role:
        stmt = stmt.where(User.role == role)
    if department_id:
        stmt = stmt.where(User.department_id == department_id)
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    if q and q.strip():
        stmt = stmt.where(any_contains((User.login, User.name, User.email), q.strip()))
    return paginate(stmt, page, per_page)


def create_user(*, login, name, email, department_id, role, password, must_change_password, actor) -> User:
    """Create a user (policy-checked password) through the shared accounts operation."""
    if role == "requester" and not department_id:
        raise AdminError("所属職員には所属を指定してください")
    code = None
    if department_id:
        code = get_department(department_id).code
    return accounts.create_user(login, name=name, role=role, password=password, department_code=code,
                                email=(email or "").strip() or None, actor=actor,
                                must_change_password=bool(must_change_password))


def _refuse_orphans(user: User) -> None:
    """A staff member holding open tickets is deactivated only with their reassignment (nothing orphaned silently)."""
    from consult.desk.reassign import open_tickets_of

    held = open_tickets_of(user)
    if held:
        raise AdminError(f"この職員は対応中の相談を{len(held)}件担当しています。「担当を付け替えて無効にする」から無効にしてください")


def update_user(user: User, *, name, email, department_id, role, active, actor) -> User:
    """Change name, e-mail, department, role and active flag; an admin cannot lock themselves out."""
    name, email = (name or "").strip(), (email or "").strip() or None
    if not name or len(name) > 100:
        raise AdminError("氏名は1〜100文字で入力してください")
    if email and not accounts.EMAIL_RE.fullmatch(email):
        raise AdminError(f"メールアドレス {email} の形式が正しくありません")
    if role not in ROLES:
        raise AdminError("役割を選んでください")
    department = get_department(department_id) if department_id else None
    if role == "requester" and department is None:
        raise AdminError("所属職員には所属を指定してください")
    if user.id == actor.id and not active:
        raise AdminError("自分自身を無効にすることはできません。ほかの管理者に依頼してください")
    if user.id == actor.id and user.role == "admin" and role != "admin":
        raise AdminError("自分自身の管理者権限は外せません。ほかの管理者に依頼してください")
    if user.active and not active:
        _refuse_orphans(user)
    before = snapshot(user, USER_FIELDS)
    moved = role != user.role or (department.id if department else None) != user.department_id
    user.name, user.email, user.role, user.active = name, email, role, bool(active)
    user.department = department
    if not user.active:
        user.session_token = None  # end every session of a deactivated account
    before, after = diff(before, snapshot(user, USER_FIELDS))
    if after:
        action = "user.deactivated" if after.get("active") is False else "user.updated"
        record(action, "user", user.id, actor=actor, before=before, after=after)
    if moved:  # a new role or 課: the tickets they handled go back to the desk (they may not even see them now)
        from consult.desk.unassign import take_off_assignments

        take_off_assignments(user, actor, "role_or_department_changed")
    db.session.commit()
    return user


def force_password_change(user: User, *, temporary_password, actor) -> User:
    """Require a new password at next login; optionally set a temporary one (policy-checked)."""
    after = {"must_change_password": True}
    if temporary_password:
        problems = policy_problems(temporary_password, user.login, current_app.config["CONSULT_PASSWORD_MIN_LENGTH"])
        if problems:
            raise AdminError("。".join(problems))
        user.password_hash = hash_password(temporary_password)
        user.password_changed_at = utcnow()
        user.session_token = secrets.token_hex(16)  # sessions with the old password end
        after["temporary_password_set"] = True  # never the password itself
    before = {"must_change_password": user.must_change_password}
    user.must_change_password = True
    record("user.password_change_forced", "user", user.id, actor=actor, before=before, after=after)
    db.session.commit()
    return user


def unlock(user: User, *, actor) -> User:
    """Clear the lockout (locked_until and the failed-login count)."""
    before = snapshot(user, ("locked_until", "failed_logins"))
    user.locked_until = None
    user.failed_logins = 0
    record("user.unlocked", "user", user.id, actor=actor, before=before, after={"locked_until": None, "failed_logins": 0})
    db.session.commit()
    return user


def is_locked(user: User) -> bool:
    """Whether the account is locked right now."""
    return bool(user.locked_until and user.locked_until > utcnow())


def mail_status() -> dict:
    """Counts of notification mails not yet sent, and of those that failed at least once."""
    unsent = select(func.count(MailOutbox.id)).where(MailOutbox.sent_at.is_(None))
    return {
        "unsent": db.session.scalar(unsent) or 0,
        "failing": db.session.scalar(unsent.where(MailOutbox.last_error.is_not(None))) or 0,
    }


# --- departments ----------------------------------------------------------------------------------

def get_department(department_id: int) -> Department:
    """The department with this id, or a clear error."""
    dept = db.session.get(Department, department_id)
    if dept is None:
        raise AdminError("指定された所属が見つかりません")
    return dept


def department_tree() -> list[tuple[Department, list[Department]]]:
    """(部局, [課 …]) pairs in display order, inactive ones included."""
    depts = db.session.scalars(select(Department).order_by(Department.sort_order, Department.code)).all()
    children: dict[int, list[Department]] = {}
    for d in depts:
        if d.parent_id:
            children.setdefault(d.parent_id, []).append(d)
    return [(d, children.get(d.id, [])) for d in depts if d.parent_id is None]


def department_choices(include_id: int | None = None, top_only: bool = False) -> list[tuple[int, str]]:
    """(id, label) of active departments for a select box (plus `include_id` even when inactive)."""
    out = []
    for top, kids in department_tree():
        for d in [top, *([] if top_only else kids)]:
            if d.active or d.id == include_id:
                out.append((d.id, d.full_name + ("" if d.active else "（無効）")))
    return out


def add_department(*, code, name, parent_id, actor) -> Department:
    """Add a 部局 (no parent) or a 課 under a 部局."""
    parent_code = None
    if parent_id:
        parent = get_department(parent_id)
        if parent.parent_id is not None:
            raise AdminError("課の下に所属は作れません。部局を親にしてください")
        parent_code = parent.code
    return accounts.add_department(code, name, parent_code, actor=actor)


def update_department(dept: Department, *, name, active, actor) -> Department:
    """Rename or (de)activate a department; a 部局 with active 課 cannot be deactivated."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise AdminError("所属名は1〜100文字で入力してください")
    if not active and dept.active:
        active_kids = db.session.scalar(
            select(func.count(Department.id)).where(Department.parent_id == dept.id, Department.active.is_(True))
        )
        if active_kids:
            raise AdminError(f"この部局には有効な課が{active_kids}件あります。先に課を無効にしてください")
    apply_changes(dept, {"name": name, "active": bool(active)}, "department.updated", "department", actor)
    db.session.commit()
    return dept


# --- categories -----------------------------------------------------------------------------------

def get_category(category_id: int) -> Category:
    """The category with this id, or NotFound."""
    cat = db.session.get(Category, category_id)
    if cat is None:
        raise NotFound("分類が見つかりません")
    return cat


def list_categories() -> list[Category]:
    """Every category in display order."""
    return list(db.session.scalars(select(Category).order_by(Category.sort_order, Category.id)))


def _name_taken(name: str, exclude_id: int | None = None) -> bool:
    """Whether another category already has this name."""
    stmt = select(Category.id).where(Category.name == name)
    if exclude_id:
        stmt = stmt.where(Category.id != exclude_id)
    return db.session.scalar(stmt) is not None


def _check_category_name(name: str, exclude_id: int | None = None) -> str:
    """A trimmed, unused category name, or AdminError."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise AdminError("分類名は1〜100文字で入力してください")
    if _name_taken(name, exclude_id):
        raise AdminError(f"分類「{name}」はすでにあります")
    return name


def add_category(*, name, actor) -> Category:
    """Add a category at the end of the list."""
    name = _check_category_name(name)
    last = db.session.scalar(select(func.max(Category.sort_order))) or 0
    cat = Category(name=name, sort_order=last + 10, active=True)
    db.session.add(cat)
    db.session.flush()
    record("category.created", "category", cat.id, actor=actor, after={"name": name, "sort_order": cat.sort_order})
    db.session.commit()
    return cat


def update_category(cat: Category, *, name, active, actor) -> Category:
    """Rename or (de)activate a category."""
    name = _check_category_name(name, exclude_id=cat.id)
    apply_changes(cat, {"name": name, "active": bool(active)}, "category.updated", "category", actor)
    db.session.commit()
    return cat


def move_category(cat: Category, direction: str, *, actor) -> Category:
    """Move a category one place up or down; the whole list is renumbered 10, 20, 30 …"""
    if direction not in ("up", "down"):
        raise AdminError("並べ替えの方向が正しくありません")
    cats = list_categories()
    i = next(k for k, c in enumerate(cats) if c.id == cat.id)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(cats):
        return cat
    before = [c.id for c in cats]
    cats[i], cats[j] = cats[j], cats[i]
    for pos, c in enumerate(cats, start=1):
        c.sort_order = pos * 10
    record("category.reordered", "category", cat.id, actor=actor, before={"order": before}, after={"order": [c.id for c in cats]})
    db.session.commit()
    return cat
