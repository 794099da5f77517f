"""Durable queues written in the same transaction as the change: index updates and mail."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .db import db, utcnow


class IndexOutbox(db.Model):
    """A pending search-index update for one case, applied by whoever holds the index lock."""

    __tablename__ = "index_outbox"
    __table_args__ = (Index("ix_index_outbox_pending", "processed_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_ref: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(16), default="upsert")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class MailOutbox(db.Model):
    """A notification mail, sent after commit and retried until it goes out."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_pending", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class SearchHost(db.Model):
    """One app host following the index outbox: its position in the log and a heartbeat.

    Each host keeps its own Whoosh index; old log rows are pruned only below the position of
    every host seen recently.  The row named ``(pruned)`` records how far the log was pruned."""

    __tablename__ = "search_hosts"

    host_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    doc_count: Mapped[int | None]
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
class JobMark(db.Model):
    """One thing a scheduled job has done (a reminder, a digest of a day …), so running it again does nothing twice."""

    __tablename__ = "job_marks"
    __table_args__ = (UniqueConstraint("job", "key", name="uq_job_marks_job_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
