"""Consultations (相談), their conversation and attachments."""
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .category import Category
from .db import db, utcnow
from .department import Department
from .user import User

STATUS_LABELS = {
    "new": "新規",
    "triaged": "受付",
    "in_progress": "対応中",
    "waiting": "回答待ち",
    "resolved": "解決",
    "closed": "完了",
    "withdrawn": "取下げ",
}
OPEN_STATUSES = ("new", "triaged", "in_progress", "waiting")
PRIORITY_LABELS = {"low": "低", "normal": "中", "high": "高", "urgent": "至急"}
URGENCY_LABELS = {"low": "低（急がない）", "medium": "中（1か月以内）", "high": "高（急ぎ）"}
RESOLUTION_TYPES = ("ツール導入", "業務改善", "業務廃止", "情報提供", "対応不可")
# How the consultation reached the desk (DX staff file phone, counter and mail consultations on behalf of a requester)
CHANNEL_LABELS = {"web": "画面", "phone": "電話", "in_person": "対面", "email": "メール"}


class Ticket(db.Model):
    """One consultation from a department, from intake to resolution."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_created", "status", "created_at"),
        Index("ix_tickets_department_created", "department_id", "created_at"),
        # 担当状況 board, workload suggestion and the staff ticket page's panel: counts per handler, status and
        # priority, and overdue counts (due dates), read only the index; resolutions of the last 30 days per handler
        # are a range of the second one
        Index("ix_tickets_main_load", "main_handler_id", "status", "priority", "resolved_at", "resolution_due",
              "first_response_due", "first_response_at"),
        Index("ix_tickets_main_resolved", "main_handler_id", "resolved_at"),
        Index("ix_tickets_backup_load", "backup_handler_id", "status", "priority"),
        Index("ix_tickets_updated", "updated_at"),
        # reports: period filters on these timestamps (dashboard, business-day figures); the extra columns make
        # each dashboard aggregate an index-only scan (bench/pages.py: 100,000 tickets)
        Index("ix_tickets_created", "created_at", "department_id", "category_id"),
        Index("ix_tickets_first_response", "first_response_at", "created_at", "first_response_due"),
        Index("ix_tickets_resolved", "resolved_at", "created_at", "resolution_due", "resolution_type", "hours_saved_per_year"),
        Index("ix_tickets_ended", "status", "resolved_at", "closed_at", "withdrawn_at", "updated_at"),
        # scale (bench/pages.py): a narrow copy of the queue's filter and sort columns, so the 受付一覧 counts
        # and id scans (any filter but the keyword) read this index instead of the wide rows
        Index("ix_tickets_queue_cover", "status", "resolution_due", "first_response_due", "first_response_at",
              "created_at", "priority", "urgency", "contains_personal_info", "category_id", "main_handler_id",
              "backup_handler_id", "department_id"),
        Index("ix_tickets_category_status", "category_id", "status"),
        Index("ix_tickets_department_status", "department_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # None once disposed (廃棄)
    purpose: Mapped[str] = mapped_column(Text, default="")
    current_process: Mapped[str] = mapped_column(Text, default="")
    problem: Mapped[str] = mapped_column(Text, default="")
    desired_state: Mapped[str] = mapped_column(Text, default="")
    frequency: Mapped[str] = mapped_column(String(100), default="")
    hours_per_month: Mapped[float | None] = mapped_column(Numeric(8, 1, asdecimal=False))
    desired_timing: Mapped[str] = mapped_column(String(100), default="")
    urgency: Mapped[str] = mapped_column(String(16), default="medium")
    contains_personal_info: Mapped[bool] = mapped_column(default=False)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(16), default="new")
    main_handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    backup_handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_response_due: Mapped[date | None]
    resolution_due: Mapped[date | None]
    # SLA pause in 回答待ち: the JST date the resolution clock stopped (None while it runs) and the business days
    # it has been stopped in total (resolution_due already includes them; reports subtract them)
    sla_paused_on: Mapped[date | None]
    sla_paused_days: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    triaged_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    root_cause: Mapped[str] = mapped_column(Text, default="")
    resolution_type: Mapped[str | None] = mapped_column(String(16))
    resolution_summary: Mapped[str] = mapped_column(Text, default="")
    hours_saved_per_year: Mapped[int | None]
    intake_token: Mapped[str | None] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="web", server_default="web")
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # staff who filed it on behalf of the requester
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))  # a duplicate merged into another ticket
    version: Mapped[int] = mapped_column(default=1)

    department: Mapped[Department] = relationship(lazy="joined")
    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id], lazy="joined")
    main_handler: Mapped[User | None] = relationship(foreign_keys=[main_handler_id], lazy="joined")
    backup_handler: Mapped[User | None] = relationship(foreign_keys=[backup_handler_id], lazy="joined")
    category: Mapped[Category | None] = relationship(lazy="joined")
    comments: Mapped[list["Comment"]] = relationship(back_populates="ticket", order_by="Comment.id", lazy="raise_on_sql")
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="ticket", order_by="Attachment.id", lazy="raise_on_sql")

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        """Japanese name of the status."""
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def priority_label(self) -> str:
        """Japanese name of the priority."""
        return PRIORITY_LABELS.get(self.priority, self.priority)

    @property
    def urgency_label(self) -> str:
        """Japanese name of the urgency."""
        return URGENCY_LABELS.get(self.urgency, self.urgency)

    @property
    def channel_label(self) -> str:
        """Japanese name of the channel (画面・電話・対面・メール)."""
        return CHANNEL_LABELS.get(self.channel or "web", self.channel)

    @property
    def is_open(self) -> bool:
        """Still waiting for the desk or the requester."""
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Ticket {self.number}>"


class TicketCounter(db.Model):
    """Last number issued per year, so numbers are DX-2026-0001, DX-2026-0002 …"""

    __tablename__ = "ticket_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Comment(db.Model):
    """A public reply or an internal note (never shown to requesters) on a ticket."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="comments")
    author: Mapped[User] = relationship(lazy="joined")


class Attachment(db.Model):
    """A file attached to a ticket or reply, stored outside the web root under a random name."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User] = relationship(lazy="joined")


class TicketDraft(db.Model):
    """Server-side autosave of an unfinished intake form, one per user."""

    __tablename__ = "ticket_drafts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, autoincrement=False)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
