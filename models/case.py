"""Published solution cases (解決事例) and their revisions."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .category import Category
from .db import db, utcnow
from .department import Department
from .user import User

CASE_STATUS_LABELS = {"draft": "下書き", "published": "公開中", "archived": "公開終了"}
CASE_RESOLUTION_TYPES = ("ツール導入", "業務改善", "業務廃止", "情報提供")


class Case(db.Model):
    """A solution case, edited and anonymised before it is published to the whole office."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_published", "status", "published_at"),
        # staff list 事例の管理 (newest update first) and the dashboard's top cases
        Index("ix_cases_updated", "updated_at"),
        Index("ix_cases_status_hours", "status", "hours_saved_per_year"),
        Index("ix_cases_status_views", "status", "view_count"),
        Index("ix_cases_status_helpful", "status", "helpful_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    source_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    department_label: Mapped[str] = mapped_column(String(100), default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    problem: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(Text, default="")
    solution: Mapped[str] = mapped_column(Text, default="")
    effect: Mapped[str] = mapped_column(Text, default="")
    tools: Mapped[list] = mapped_column(JSON, default=list)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    resolution_type: Mapped[str | None] = mapped_column(String(16))
    hours_saved_per_year: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    view_count: Mapped[int] = mapped_column(default=0)
    helpful_count: Mapped[int] = mapped_column(default=0)
    acknowledged_findings: Mapped[list] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)

    source_ticket = relationship("Ticket", lazy="select")
    department: Mapped[Department | None] = relationship(lazy="joined")
    category: Mapped[Category | None] = relationship(lazy="joined")
    author: Mapped[User | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        """Japanese name of the status."""
        return CASE_STATUS_LABELS.get(self.status, self.status)

    def __repr__(self) -> str:
        return f"<Case {self.ref}>"


class CaseRevision(db.Model):
    """A snapshot of a case as it was published; every publication is kept."""

    __tablename__ = "case_revisions"
    __table_args__ = (UniqueConstraint("case_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    number: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(JSON)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseHelpful(db.Model):
    """One 「役に立った」 vote of one user for one case."""

    __tablename__ = "case_helpful"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
