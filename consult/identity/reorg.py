"""組織改正: rename a 所属, move a 課 under another 部局, merge a 課 into another — scheduled with an effective date,
applied on that date by `jobs run`. Past names are kept as DepartmentVersion rows so reports can show a period by
the structure of that time; closed tickets keep the 所属 they were filed under, open tickets of a merged 課 move."""
from datetime import date

from sqlalchemy import select

from consult.audit import record
from consult.errors import DomainError
from consult.ops import jobs
from consult.reports.periods import jst_today
from models import OPEN_STATUSES, Department, DepartmentVersion, OrgChange, Ticket, User, db, utcnow


class ReorgError(DomainError):
    """A 組織改正 step that cannot be scheduled or applied."""

    status = 422


def _dept(dept_id: int | None, what: str) -> Department:
    """The department or a Japanese error."""
    dept = db.session.get(Department, dept_id) if dept_id else None
    if dept is None:
        raise ReorgError(f"{what}を選んでください")
    return dept


def schedule(kind: str, department_id: int, effective_on: date, *, new_name=None, new_parent_id=None, target_id=None,
             note=None, actor=None, today: date | None = None) -> OrgChange:
    """Schedule one step after checking it makes sense (today or later)."""
    today = today or jst_today()
    if effective_on is None or effective_on < today:
        raise ReorgError("実施日は今日以降の日付にしてください")
    dept = _dept(department_id, "対象の所属")
    if not dept.active:
        raise ReorgError(f"{dept.full_name} は無効（統合済みなど）です")
    change = OrgChange(kind=kind, department=dept, effective_on=effective_on, note=(note or "").strip() or None,
                       created_by_id=getattr(actor, "id", None))
    if kind == "rename":
        name = (new_name or "").strip()
        if not name or len(name) > 100:
            raise ReorgError("新しい名称を100文字以内で入力してください")
        if name == dept.name:
            raise ReorgError("新しい名称が今の名称と同じです")
        change.new_name = name
    elif kind == "move":
        parent = _dept(new_parent_id, "移管先の部局")
        if dept.parent_id is None:
            raise ReorgError("部局そのものは移管できません。課を選んでください")
        if parent.parent_id is not None or parent.id == dept.id:
            raise ReorgError("移管先には部局（上位の所属）を選んでください")
        if parent.id == dept.parent_id:
            raise ReorgError(f"{dept.full_name} はすでに {parent.name} の下にあります")
        change.new_parent = parent
    elif kind == "merge":
        target = _dept(target_id, "統合先の課")
        if target.id == dept.id:
            raise ReorgError("統合先に同じ課は選べません")
        if dept.parent_id is None or target.parent_id is None:
            raise ReorgError("統合できるのは課どうしです")
        if not target.active:
            raise ReorgError(f"統合先の {target.full_name} は無効です")
        change.target = target
    else:
        raise ReorgError("種類を選んでください")
    db.session.add(change)
    db.session.flush()
    record("org_change.scheduled", "org_change", change.id, actor=actor, after=_describe(change))
    db.session.commit()
    return change


def _describe(change: OrgChange) -> dict:
    """The change as audit data."""
    return {"kind": change.kind, "department": change.department.code, "effective_on": change.effective_on.isoformat(),
            "new_name": change.new_name, "new_parent": getattr(change.new_parent, "code", None),
            "target": getattr(change.target, "code", None)}


def cancel(change: OrgChange, actor=None) -> None:
    """Cancel a scheduled step (kept, marked 取消)."""
    if change.status != "scheduled":
        raise ReorgError("実施済みまたは取消済みの組織改正は取り消せません")
    change.status = "cancelled"
    record("org_change.cancelled", "org_change", change.id, actor=actor, before={"status": "scheduled"}, after={"status": "cancelled"})
    db.session.commit()


def _keep_version(dept: Department, until: date) -> None:
    """Store the name and 部局 the department had until `until`."""
    last = db.session.scalar(select(DepartmentVersion).where(DepartmentVersion.department_id == dept.id)
                             .order_by(DepartmentVersion.valid_until.desc()).limit(1))
    db.session.add(DepartmentVersion(department_id=dept.id, name=dept.name, parent_id=dept.parent_id,
                                     valid_from=last.valid_until if last else None, valid_until=until))


def _apply(change: OrgChange, actor=None) -> dict:
    """Carry one step out (the caller commits)."""
    dept = change.department
    result = {}
    if change.kind == "rename":
        _keep_version(dept, change.effective_on)
        result = {"name": [dept.name, change.new_name]}
        dept.name = change.new_name
    elif change.kind == "move":
        _keep_version(dept, change.effective_on)
        result = {"parent": [getattr(dept.parent, "code", None), change.new_parent.code]}
        dept.parent = change.new_parent
    elif change.kind == "merge":
        target = change.target
        dept.active = False
        dept.merged_into_id = target.id
        moved = list(db.session.scalars(select(Ticket).where(Ticket.department_id == dept.id, Ticket.status.in_(OPEN_STATUSES))))
        for ticket in moved:
            ticket.department_id = target.id
            record("ticket.department_moved", "ticket", ticket.id, actor=actor,
                   before={"department": dept.code}, after={"department": target.code, "org_change": change.id})
        people = list(db.session.scalars(select(User).where(User.department_id == dept.id)))
        for user in people:
            user.department_id = target.id
            record("user.updated", "user", user.id, actor=actor, before={"department_id": dept.id},
                   after={"department_id": target.id, "org_change": change.id})
        result = {"merged_into": target.code, "open_tickets_moved": len(moved), "users_moved": len(people)}
    change.status = "applied"
    change.applied_at = utcnow()
    record("org_change.applied", "org_change", change.id, actor=actor, after={**_describe(change), **result})
    return result


def apply_due(today: date | None = None, actor=None) -> list[OrgChange]:
    """Apply every scheduled step whose date has come, oldest first, one transaction each."""
    today = today or jst_today()
    due = list(db.session.scalars(select(OrgChange).where(OrgChange.status == "scheduled", OrgChange.effective_on <= today)
                                  .order_by(OrgChange.effective_on, OrgChange.id)))
    applied = []
    for change in due:
        _apply(change, actor=actor)
        db.session.commit()
        applied.append(change)
    return applied


@jobs.register("組織改正", "実施日を迎えた組織改正（所属の名称変更・移動・統合）を適用する")
def reorganisation_job() -> str:
    """Job for `jobs run`: apply the 組織改正 due today."""
    applied = apply_due()
    if not applied:
        return "実施日を迎えた組織改正はありません"
    return f"{len(applied)}件実施しました: " + "、".join(f"{c.department.code} {c.kind_label}" for c in applied)


def listing() -> list[OrgChange]:
    """Every step, scheduled first, then by date."""
    return list(db.session.scalars(select(OrgChange).order_by((OrgChange.status != "scheduled"), OrgChange.effective_on.desc(), OrgChange.id.desc())))


def active_departments() -> list[Department]:
    """Active departments for the form, 部局 before their 課."""
    return list(db.session.scalars(select(Department).where(Department.active).order_by(Department.sort_order, Department.code)))


def get(change_id: int) -> OrgChange:
    """The step or 404."""
    return db.get_or_404(OrgChange, change_id)
