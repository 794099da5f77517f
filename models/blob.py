"""Attachment contents kept in the database (the default store on PostgreSQL)."""
from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .db import db, utcnow


class AttachmentBlob(db.Model):
    """The bytes of one attachment, written in the same transaction as its `attachments` row, so
    every app host serves it and a database backup or standby holds it."""

    __tablename__ = "attachment_blobs"

    stored_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
