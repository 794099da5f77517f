"""Large exports run as background jobs: the request, its progress, and the finished file (in the database)."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import db, utcnow

EXPORT_STATUS_LABELS = {
    "queued": "順番待ち",
    "running": "作成中",
    "done": "完了",
    "failed": "失敗",
    "expired": "保存期間切れ",
}


class ExportJob(db.Model):
    """One export asked for by a staff member: what (kind, format, filters), how far it got, and when it expires.

    The file itself is kept in `export_job_parts` (in the database, so every worker on every host can serve
    it). A worker claims a queued row by a conditional UPDATE (after SELECT … FOR UPDATE SKIP LOCKED on
    PostgreSQL) and keeps `heartbeat_at` fresh; a row whose heartbeat is stale is claimed again or failed."""

    __tablename__ = "export_jobs"
    __table_args__ = (
        Index("ix_export_jobs_status", "status", "id"),
        Index("ix_export_jobs_requested_by_id", "requested_by_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))  # ticket | case
    format: Mapped[str] = mapped_column(String(8))  # csv | xlsx
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # query arguments, include_internal, period
    status: Mapped[str] = mapped_column(String(16), default="queued")
    total: Mapped[int | None]
    progress: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    claim: Mapped[str | None] = mapped_column(String(64))  # who runs it now (host:pid:random)
    error: Mapped[str | None] = mapped_column(Text)  # Japanese, shown to the person
    filename: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]

    requested_by = relationship("User")

    @property
    def status_label(self) -> str:
        """The status in Japanese."""
        return EXPORT_STATUS_LABELS.get(self.status, self.status)


class ExportJobPart(db.Model):
    """One piece (up to 1 MB) of a finished export file, in order."""

    __tablename__ = "export_job_parts"

    job_id: Mapped[int] = mapped_column(ForeignKey("export_jobs.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
