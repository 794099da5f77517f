"""SQLAlchemy models of consult, one module per aggregate."""
from . import sqlite  # noqa: F401  (sets up every SQLite connection: consult_chars, mmap)
from .audit import AuditEvent
from .blob import AttachmentBlob
from .case import CASE_RESOLUTION_TYPES, CASE_STATUS_LABELS, Case, CaseHelpful, CaseRevision
from .category import Category
from .db import db, utcnow
from .department import Department
from .identity import ORG_CHANGE_KINDS, DepartmentVersion, DirectorySync, OrgChange, RecoveryCode
from .outbox import IndexOutbox, MailOutbox, SearchHost
from .records import DisposalEntry, RecordRetention, RetentionRule
from .ticket import (
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
from .usage import SearchLog, SuggestionClick, SynonymGroup
from .user import ROLE_LABELS, ROLES, User, staff_skills

__all__ = [
    "AuditEvent", "Attachment", "AttachmentBlob", "CASE_RESOLUTION_TYPES", "CASE_STATUS_LABELS", "Case", "CaseHelpful",
    "CaseRevision", "Category", "Comment", "Department", "DepartmentVersion", "DirectorySync", "DisposalEntry",
    "ORG_CHANGE_KINDS", "OrgChange", "RecordRetention", "RecoveryCode", "RetentionRule", "IndexOutbox", "MailOutbox",
    "OPEN_STATUSES",
    "PRIORITY_LABELS", "RESOLUTION_TYPES", "ROLE_LABELS", "ROLES", "STATUS_LABELS", "SearchHost", "SearchLog",
    "SuggestionClick", "SynonymGroup", "Ticket", "TicketCounter", "TicketDraft", "URGENCY_LABELS", "User", "db",
    "staff_skills", "utcnow",
]
