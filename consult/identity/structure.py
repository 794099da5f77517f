"""The 所属 structure at a date, for 実績: by the names and 部局 of that time, or by today's (merged 課 counted
under the 課 they went into). Reads DepartmentVersion rows written by 組織改正 (consult/identity/reorg.py)."""
from datetime import date

from sqlalchemy import select

from models import Department, DepartmentVersion, db

STRUCTURES = [("then", "その期間の組織で集計"), ("today", "現在の組織で集計")]


def _name_parent_on(dept: Department, versions: dict[int, list[DepartmentVersion]], on: date) -> tuple[str, int | None]:
    """The department's name and 部局 id as they were on `on`."""
    for version in versions.get(dept.id, []):
        if (version.valid_from is None or version.valid_from <= on) and on < version.valid_until:
            return version.name, version.parent_id
    return dept.name, dept.parent_id


def labels(dept_ids, structure: str = "then", on: date | None = None) -> dict[int, tuple[str, str]]:
    """(部局 name, '部局 課' label) per department id: by the structure on `on` ("then") or by today's, where a
    merged 課 counts under the 課 it went into ("today")."""
    departments = {d.id: d for d in db.session.scalars(select(Department))}
    versions: dict[int, list[DepartmentVersion]] = {}
    if structure == "then":
        for version in db.session.scalars(select(DepartmentVersion).order_by(DepartmentVersion.valid_until)):
            versions.setdefault(version.department_id, []).append(version)
    on = on or date.today()
    result = {}
    for dept_id in dept_ids:
        dept = departments.get(dept_id)
        if dept is None:
            continue
        if structure == "today":
            hops = 0
            while dept.merged_into_id and hops < 20:
                dept, hops = departments[dept.merged_into_id], hops + 1
            name, parent_id = dept.name, dept.parent_id
        else:
            name, parent_id = _name_parent_on(dept, versions, on)
        if parent_id and parent_id in departments:
            parent_name, _ = _name_parent_on(departments[parent_id], versions, on) if structure == "then" else (departments[parent_id].name, None)
            result[dept_id] = (parent_name, f"{parent_name} {name}")
        else:
            result[dept_id] = (name, name)
    return result
