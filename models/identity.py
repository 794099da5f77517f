"""Identity records: second-factor recovery codes, directory sync runs, scheduled reorganisations."""
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import db, utcnow
from .department import Department
from .user import User


class RecoveryCode(db.Model):
    """One single-use recovery code of a user's second factor (only its hash is stored)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class DirectorySync(db.Model):
    """One run of `directory sync` (dry run or applied) with the differences it found."""

    __tablename__ = "directory_syncs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    dry_run: Mapped[bool] = mapped_column(default=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ok: Mapped[bool] = mapped_column(default=True)
    message: Mapped[str | None] = mapped_column(String(500))
    changes: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship(lazy="joined")


ORG_CHANGE_KINDS = {"rename": "名称変更", "move": "部局の移管", "merge": "統合"}
ORG_CHANGE_STATUSES = {"scheduled": "予定", "applied": "実施済み", "cancelled": "取消"}


class OrgChange(db.Model):
    """A scheduled 組織改正 step: rename a 所属, move a 課 under another 部局, or merge a 課 into another."""

    __tablename__ = "org_changes"
    __table_args__ = (Index("ix_org_changes_due", "status", "effective_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    new_name: Mapped[str | None] = mapped_column(String(100))
    new_parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    effective_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    note: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[datetime | None]

    department: Mapped[Department] = relationship(foreign_keys=[department_id], lazy="joined")
    new_parent: Mapped[Department | None] = relationship(foreign_keys=[new_parent_id], lazy="joined")
    target: Mapped[Department | None] = relationship(foreign_keys=[target_id], lazy="joined")

    @property
    def kind_label(self) -> str:
        """Japanese name of the kind of change."""
        return ORG_CHANGE_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        """Japanese name of the status."""
        return ORG_CHANGE_STATUSES.get(self.status, self.status)


class DepartmentVersion(db.Model):
    """The name and 部局 a 所属 had from `valid_from` until `valid_until` (exclusive; None = still today)."""

    __tablename__ = "department_versions"
    __table_args__ = (Index("ix_department_versions_dept", "department_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    valid_from: Mapped[date | None]
    valid_until: Mapped[date]
