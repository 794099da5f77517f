"""`directory sync`: create and update accounts from the directory, deactivate the gone and disabled (never delete)."""
from sqlalchemy import select

from consult.audit import record
from consult.errors import DomainError
from models import DirectorySync, User, db, utcnow

from . import client, mapping
from . import settings as directory_settings
from .settings import ROLE_ORDER

KINDS = {"new": "新規", "changed": "変更", "deactivated": "無効化", "unknown_department": "所属コード不明"}
FIELD_LABELS = {"login": "ログインID", "name": "氏名", "email": "メール", "department": "所属", "role": "役割", "active": "有効"}


class SyncError(DomainError):
    """The sync cannot run (no directory configured, directory down, an empty answer)."""


def _role(entry: client.DirectoryUser, settings, memberships: dict[str, set[str]], user: User | None) -> str:
    """The role by group (memberOf or expanded members); without role groups the local role stays."""
    if not settings.role_groups:
        return user.role if user else "requester"
    dn = entry.dn.lower()
    for role in ROLE_ORDER:
        group = settings.role_groups.get(role)
        if group and (group.lower() in entry.member_of or dn in memberships.get(role, set())):
            return role
    return "requester"


def _read_directory(settings):
    """All user entries and the role groups' expanded members."""
    conn = client.service_connection(settings)
    try:
        entries = list(client.all_users(conn, settings))
        known = {e.dn.lower() for e in entries}
        memberships = client.role_memberships(conn, settings, known) if settings.role_groups else {}
    finally:
        conn.unbind()
    return entries, memberships


def _plan(entries, memberships, settings) -> list[dict]:
    """Every difference between the directory and the accounts, with what to do about it."""
    departments = mapping.departments_by_code()
    anchored = {u.directory_id: u for u in db.session.scalars(select(User).where(User.directory_id.is_not(None)))}
    importable = {u.login.lower(): u for u in db.session.scalars(  # made by the CSV import: anchored by login
        select(User).where(User.directory_id.is_(None), User.password_hash == ""))}
    seen = set()
    plan = []
    for entry in entries:
        seen.add(entry.directory_id)
        user = anchored.get(entry.directory_id) or importable.pop(entry.login.lower(), None)
        values = mapping.wanted(entry, _role(entry, settings, memberships, user), departments)
        code_known = (entry.department_code or "") in departments
        if not code_known:
            values["department"] = user.department if user else None
            plan.append({"kind": "unknown_department", "login": entry.login, "name": entry.name,
                         "fields": {"department": [None, entry.department_code]}})
        if user is None and entry.disabled:
            continue
        diff = mapping.differences(user, values, code_known)
        if user is None:
            kind = "new"
        elif diff.get("active") == [True, False]:
            kind = "deactivated"
        elif diff or user.directory_id is None:
            kind = "changed"
        else:
            continue
        plan.append({"kind": kind, "login": entry.login, "name": entry.name, "fields": diff,
                     "_user": user, "_entry": entry, "_values": values, "_code_known": code_known})
    for directory_id, user in anchored.items():
        if directory_id not in seen and user.active:
            plan.append({"kind": "deactivated", "login": user.login, "name": user.name,
                         "fields": {"active": [True, False]}, "reason": "ディレクトリにいません", "_user": user})
    return plan


def _apply(plan: list[dict], actor) -> None:
    """Carry the plan out on the accounts, one audit event per change (the caller commits)."""
    for item in plan:
        if item["kind"] == "unknown_department":
            continue
        if "_entry" in item:
            mapping.apply(item["_user"], item["_entry"], item["_values"], item["_code_known"], actor=actor, source="sync")
        else:
            user = item["_user"]
            user.active = False
            user.session_token = None
            record("user.deactivated", "user", user.id, actor=actor, before={"active": True},
                   after={"active": False, "source": "sync", "reason": item.get("reason")})


def _note_held_tickets(plan: list[dict]) -> None:
    """A person deactivated while still 主担当/副担当 of open tickets: the numbers go into the summary (and the dry
    run), so that nothing is left orphaned silently; 担当の付け替え on the admin page reassigns them."""
    from consult.desk.reassign import open_tickets_of

    for item in plan:
        user = item.get("_user")
        if item["kind"] == "deactivated" and user is not None and user.id is not None:
            held = open_tickets_of(user)
            if held:
                item["held"] = [t.number for t in held]


def held_text(item: dict) -> str:
    """「担当中の相談2件（DX-…、DX-…）の付け替えが必要です」, or "" when the person held none."""
    held = item.get("held") or []
    if not held:
        return ""
    shown = "、".join(held[:10]) + (" ほか" if len(held) > 10 else "")
    return f"担当中の相談{len(held)}件（{shown}）の付け替えが必要です（管理 → 利用者 → 担当の付け替え）"


def _public(plan: list[dict]) -> dict:
    """The plan as stored and shown: per kind, the logins, names and changed fields."""
    changes = {kind: [] for kind in KINDS}
    for item in plan:
        changes[item["kind"]].append({k: v for k, v in item.items() if not k.startswith("_")})
    return changes


def run(dry_run: bool = False, actor=None) -> DirectorySync:
    """Compare the directory with the accounts; apply the differences unless `dry_run`. The run is recorded."""
    settings = directory_settings.load()
    if settings is None:
        raise SyncError("ディレクトリが設定されていません（CONSULT_LDAP_URL）")
    started = utcnow()
    try:
        entries, memberships = _read_directory(settings)
        if not entries and db.session.scalar(select(User.id).where(User.directory_id.is_not(None), User.active).limit(1)):
            raise SyncError("ディレクトリから利用者が1人も返りませんでした。設定（CONSULT_LDAP_USER_BASE など）を確認してください。何も変更していません")
    except (client.DirectoryUnavailable, SyncError) as exc:
        db.session.rollback()
        db.session.add(DirectorySync(started_at=started, finished_at=utcnow(), dry_run=dry_run, actor_id=getattr(actor, "id", None),
                                     ok=False, message=exc.message[:500], changes=None))
        db.session.commit()
        raise SyncError(exc.message) from exc
    plan = _plan(entries, memberships, settings)
    _note_held_tickets(plan)
    if not dry_run:
        _apply(plan, actor)
    run_record = DirectorySync(started_at=started, finished_at=utcnow(), dry_run=dry_run, actor_id=getattr(actor, "id", None),
                               ok=True, changes=_public(plan))
    db.session.add(run_record)
    if not dry_run:
        db.session.flush()
        record("directory.synced", "directory_sync", run_record.id, actor=actor, after=counts(run_record))
    db.session.commit()
    return run_record


def counts(run_record: DirectorySync) -> dict:
    """Number of differences per kind."""
    return {kind: len((run_record.changes or {}).get(kind, [])) for kind in KINDS}


def _value(field: str, value) -> str:
    """A field value as shown in the summary."""
    if value is None:
        return "（なし）"
    if field == "active":
        return "有効" if value else "無効"
    return str(value)


def summary_lines(run_record: DirectorySync) -> list[str]:
    """The Japanese summary: counts per kind, then one line per difference."""
    numbers = counts(run_record)
    head = " / ".join(f"{label} {numbers[kind]}件" for kind, label in KINDS.items())
    lines = [("【確認のみ・変更していません】 " if run_record.dry_run else "") + head]
    for kind, label in KINDS.items():
        for item in (run_record.changes or {}).get(kind, []):
            details = "、".join(f"{FIELD_LABELS.get(f, f)}: {_value(f, old)} → {_value(f, new)}"
                               for f, (old, new) in item.get("fields", {}).items() if kind != "unknown_department")
            if kind == "unknown_department":
                details = f"所属コード {item['fields']['department'][1] or '（空）'} が登録されていません"
            if item.get("reason"):
                details = item["reason"]
            if item.get("held"):
                details = f"{details}／{held_text(item)}" if details else held_text(item)
            lines.append(f"{label}\t{item['login']}\t{item['name']}\t{details}")
    return lines


def last_runs(limit: int = 10) -> list[DirectorySync]:
    """The latest sync runs, newest first."""
    return list(db.session.scalars(select(DirectorySync).order_by(DirectorySync.started_at.desc(), DirectorySync.id.desc()).limit(limit)))
