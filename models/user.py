"""Users of the desk, their roles and the categories DX staff are strong in."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .category import Category
from .db import db, utcnow
from .department import Department

ROLES = ("requester", "dx_staff", "admin")
ROLE_LABELS = {"requester": "所属職員", "dx_staff": "DX推進担当", "admin": "管理者"}

staff_skills = Table(
    "staff_skills",
    db.metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("category_id", ForeignKey("categories.id"), primary_key=True),
)


class User(UserMixin, db.Model):
    """A person who logs in: requester, DX staff or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="requester")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    must_change_password: Mapped[bool] = mapped_column(default=False)
    password_changed_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    session_token: Mapped[str | None] = mapped_column(String(64))
    # the directory's stable id (entryUUID / objectGUID): a renamed login keeps its account and tickets
    directory_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]  # the last accepted time step: a code is never accepted twice

    department: Mapped[Department | None] = relationship(lazy="joined")
    # loaded on demand (lists of staff use selectinload): every ticket query joins users, and an eager
    # selectin here cost up to three extra queries per page
    skills: Mapped[list[Category]] = relationship(secondary=staff_skills, lazy="select", order_by=Category.sort_order)

    @property
    def is_active(self) -> bool:  # Flask-Login uses this to refuse deactivated users
        """Whether the account may log in."""
        return self.active

    def get_id(self) -> str:
        """Session identity: the id plus a token that changes on password change/logout-everywhere."""
        return f"{self.id}:{self.session_token or ''}"

    @property
    def is_staff(self) -> bool:
        """DX staff or admin: sees every ticket and case."""
        return self.role in ("dx_staff", "admin")

    @property
    def is_admin(self) -> bool:
        """Admin: also manages users, departments and categories."""
        return self.role == "admin"

    @property
    def role_label(self) -> str:
        """Japanese name of the role."""
        return ROLE_LABELS.get(self.role, self.role)

    def __repr__(self) -> str:
        return f"<User {self.login}>"
