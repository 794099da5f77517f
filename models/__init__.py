"""SQLAlchemy models of consult, one module per aggregate."""
from . import sqlite  # noqa: F401  (sets up every SQLite connection: consult_chars, mmap)
from .audit import AuditEvent
from .blob import AttachmentBlob
from .canned import CannedReply
from .case import CASE_RESOLUTION_TYPES, CASE_STATUS_LABELS, Case, CaseHelpful, CaseRevision
from .category import Category
from .db import db, utcnow
from .department import Department
from .export import EXPORT_STATUS_LABELS, ExportJob, ExportJobPart
from .identity import ORG_CHANGE_KINDS, DepartmentVersion, DirectorySync, OrgChange, RecoveryCode
from .inbox import Notification
from .link import TicketLink
from .outbox import IndexOutbox, JobMark, MailOutbox, SearchHost
from .records import DisposalEntry, RecordRetention, RetentionRule
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
from .usage import SearchLog, SuggestionClick, SynonymGroup
from .user import ROLE_LABELS, ROLES, User, staff_skills

__all__ = [
    "AuditEvent", "Attachment", "AttachmentBlob", "CHANNEL_LABELS", "CASE_RESOLUTION_TYPES", "CASE_STATUS_LABELS",
    "CannedReply", "Case", "CaseHelpful", "CaseRevision", "Category", "Comment", "Department", "DepartmentVersion",
    "DirectorySync", "DisposalEntry", "EXPORT_STATUS_LABELS", "ExportJob", "ExportJobPart", "IndexOutbox", "JobMark", "MailOutbox", "Notification", "ORG_CHANGE_KINDS",
    "OPEN_STATUSES", "OrgChange", "PRIORITY_LABELS", "RESOLUTION_TYPES", "ROLE_LABELS", "ROLES", "RecordRetention",
    "RecoveryCode", "RetentionRule", "SATISFACTION_LABELS", "STATUS_LABELS", "SearchHost", "SearchLog",
    "SuggestionClick", "SynonymGroup", "Ticket", "TicketCounter", "TicketLink", "TicketDraft", "TicketSatisfaction",
    "URGENCY_LABELS", "User", "db",
    "staff_skills", "utcnow",
]
