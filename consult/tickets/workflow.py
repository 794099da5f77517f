"""The one place that says which status changes are allowed, and who may make them."""
from consult.transactions import conflict_message

#: The message of every ticket conflict: a form made from an older version, or a concurrent write.
CONFLICT_MESSAGE = conflict_message("この相談")

# (from, to) -> roles that may make the change. "requester" means a requester of the ticket's department.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    ("new", "triaged"): frozenset({"dx_staff"}),
    ("new", "in_progress"): frozenset({"dx_staff"}),
    ("triaged", "in_progress"): frozenset({"dx_staff"}),
    ("in_progress", "waiting"): frozenset({"dx_staff"}),
    ("waiting", "in_progress"): frozenset({"dx_staff", "requester"}),  # a requester's reply resumes work
    ("triaged", "waiting"): frozenset({"dx_staff"}),
    ("in_progress", "resolved"): frozenset({"dx_staff"}),
    ("waiting", "resolved"): frozenset({"dx_staff"}),
    ("triaged", "resolved"): frozenset({"dx_staff"}),
    ("resolved", "closed"): frozenset({"dx_staff", "requester"}),
    ("resolved", "in_progress"): frozenset({"dx_staff", "requester"}),  # 再開 (reopen) within the window
    ("new", "withdrawn"): frozenset({"requester"}),
    ("triaged", "withdrawn"): frozenset({"requester"}),
    ("in_progress", "withdrawn"): frozenset({"requester"}),
    ("waiting", "withdrawn"): frozenset({"requester"}),
}

REQUIRES_RESOLUTION = frozenset({"resolved"})


def allowed_targets(status: str, role: str) -> list[str]:
    """Statuses reachable from `status` by a user of `role` (admins act as DX staff)."""
    role = "dx_staff" if role == "admin" else role
    return [to for (frm, to), roles in TRANSITIONS.items() if frm == status and role in roles]


def can_transition(status: str, target: str, role: str) -> bool:
    """Whether a user of `role` may move a ticket from `status` to `target`."""
    return target in allowed_targets(status, role)
