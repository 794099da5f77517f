"""Departments (所属): 部局 at the top, 課 and 出先機関 below."""
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import db


class Department(db.Model):
    """A 所属 of the office; `parent` is the 部局 of a 課."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    # set when a 組織改正 merged this 所属 into another (it stays, inactive, for past reports)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))

    parent: Mapped["Department | None"] = relationship(remote_side=[id], foreign_keys=[parent_id], lazy="joined", join_depth=1)

    @property
    def full_name(self) -> str:
        """Name with its 部局, e.g. 経営管理部 人事課."""
        return f"{self.parent.name} {self.name}" if self.parent else self.name

    @property
    def top(self) -> "Department":
        """The 部局 this department belongs to (itself for a 部局)."""
        return self.parent or self

    def __repr__(self) -> str:
        return f"<Department {self.code} {self.name}>"
