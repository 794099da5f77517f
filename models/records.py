"""公文書 lifecycle: retention rules per category, the state of each record, and the 移管・廃棄簿."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .category import Category
from .db import db, utcnow
from .user import User

RETENTION_YEARS = (1, 3, 5, 10, 30)  # None = 常用 (kept permanently, never due)
ACTION_LABELS = {"dispose": "廃棄", "transfer": "移管"}
STATE_LABELS = {
    "proposed": "廃棄・移管の提案中",
    "approved": "承認済み（実行待ち）",
    "packaged": "移管済み（受領確認待ち）",
    "confirmed": "受領確認済み（廃棄待ち）",
    "disposed": "廃棄済み",
}


def years_label(years: int | None) -> str:
    """保存期間 as shown: '5年' or '常用'."""
    return "常用" if years is None else f"{years}年"


class RetentionRule(db.Model):
    """保存期間 and 満了時の措置 for one 分類 (category_id NULL: tickets without a category)."""

    __tablename__ = "retention_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), unique=True)
    years: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(16), default="dispose")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    category: Mapped[Category | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    @property
    def years_label(self) -> str:
        """保存期間 in Japanese."""
        return years_label(self.years)

    @property
    def action_label(self) -> str:
        """廃棄 or 移管."""
        return ACTION_LABELS.get(self.action, self.action)


class RecordRetention(db.Model):
    """Per-ticket retention state: extension, hold, and the two-step disposal/transfer proposal."""

    __tablename__ = "record_retention"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True, autoincrement=False)
    extension_years: Mapped[int] = mapped_column(default=0)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    held: Mapped[bool] = mapped_column(default=False, index=True)
    hold_reason: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str | None] = mapped_column(String(16), index=True)
    action: Mapped[str | None] = mapped_column(String(16))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    package_name: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id], lazy="joined")
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    @property
    def state_label(self) -> str:
        """Japanese name of the state ('' when nothing is under way)."""
        return STATE_LABELS.get(self.state or "", "")

    @property
    def action_label(self) -> str:
        """廃棄 or 移管."""
        return ACTION_LABELS.get(self.action or "", "")


class DisposalEntry(db.Model):
    """One line of the 移管・廃棄簿 and the tombstone of a disposed record (never deleted)."""

    __tablename__ = "disposal_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    number: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    category_name: Mapped[str] = mapped_column(String(100), default="")
    department_name: Mapped[str] = mapped_column(String(200), default="")
    created_on: Mapped[date]
    completed_on: Mapped[date | None]
    retention_years: Mapped[int | None]
    expires_on: Mapped[date | None]
    action: Mapped[str] = mapped_column(String(16))
    proposed_by_name: Mapped[str] = mapped_column(String(100), default="")
    approved_by_name: Mapped[str] = mapped_column(String(100), default="")
    approved_at: Mapped[datetime | None]
    package_name: Mapped[str | None] = mapped_column(String(100))
    package_sha256: Mapped[str | None] = mapped_column(String(64))
    disposed_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def action_label(self) -> str:
        """廃棄 or 移管."""
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def years_label(self) -> str:
        """保存期間 in Japanese."""
        return years_label(self.retention_years)
