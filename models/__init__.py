"""SQLAlchemy models of consult, one module per aggregate."""
from . import sqlite  # noqa: F401  (sets up every SQLite connection: consult_chars, mmap)
from .audit import AuditEvent
from .canned import CannedReply
from .case import CASE_RESOLUTION_TYPES, CASE_STATUS_LABELS, Case, CaseHelpful, CaseRevision
from .category import Category
from .db import db, utcnow
from .department import Department
from .inbox import Notification
from .link import TicketLink
from .outbox import IndexOutbox, JobMark, MailOutbox
from .satisfaction import SATISFACTION_LABELS, TicketSatisfaction
from .ticket import (
    CHANNEL_LABELS,
    OPEN_STATUSES,
    PRIORITY_LABELS,
    RESOLUTION_TYPES,
    STATUS_LABELS,
    URGENCY_LABELS,
    Attachment,
    Comment,
    Ticket,
    TicketCounter,
    TicketDraft,
)
from .usage import SearchLog, SuggestionClick
from .user import ROLE_LABELS, ROLES, User, staff_skills

__all__ = [
    "AuditEvent", "Attachment", "CHANNEL_LABELS", "CASE_RESOLUTION_TYPES", "CASE_STATUS_LABELS", "CannedReply", "Case", "CaseHelpful",
    "CaseRevision", "Category", "Comment", "Department", "IndexOutbox", "JobMark", "MailOutbox", "Notification", "OPEN_STATUSES",
    "PRIORITY_LABELS", "RESOLUTION_TYPES", "ROLE_LABELS", "ROLES", "STATUS_LABELS", "SATISFACTION_LABELS", "SearchLog",
    "SuggestionClick", "Ticket", "TicketCounter", "TicketLink", "TicketDraft", "TicketSatisfaction", "URGENCY_LABELS", "User", "db",
    "staff_skills", "utcnow",
]
