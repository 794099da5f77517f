"""Categories (分類) of consultations and cases."""
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .db import db


class Category(db.Model):
    """A category such as 集計・データ処理; DX staff declare the ones they are strong in."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Category {self.name}>"
