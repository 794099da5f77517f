"""満足度: the requester's optional rating (5 levels) and comment when a consultation is 完了."""
from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from .db import db, utcnow

SATISFACTION_LABELS = {5: "とても満足", 4: "満足", 3: "ふつう", 2: "不満", 1: "とても不満"}


class TicketSatisfaction(db.Model):
    """One rating per ticket, given by a requester of its department (never by a GET)."""

    __tablename__ = "ticket_satisfaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None once the record is disposed
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    @property
    def label(self) -> str:
        """Japanese name of the rating."""
        return SATISFACTION_LABELS.get(self.rating, str(self.rating))
