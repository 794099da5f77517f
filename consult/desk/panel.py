"""The staff panel on the ticket page: its forms, choices and the handler suggestion."""
from sqlalchemy import or_, select

from consult.tickets.workflow import REQUIRES_RESOLUTION, allowed_targets
from models import STATUS_LABELS, Category, db

from .forms import AssignForm, NoteForm, ResolveForm, SelfAssignForm, StatusForm, TriageForm, UpdateForm
from .sla import is_overdue
from .suggest import suggest_handler
from .workload import assignable_staff, loads

FORMS = {
    "update": UpdateForm, "triage": TriageForm, "assign": AssignForm, "self_assign": SelfAssignForm,
    "status": StatusForm, "resolve": ResolveForm, "note": NoteForm,
}


def _category_choices(ticket) -> list[tuple[str, str]]:
    """Active categories, plus the ticket's own if it has been deactivated since."""
    stmt = select(Category).where(or_(Category.active.is_(True), Category.id == ticket.category_id))
    cats = db.session.scalars(stmt.order_by(Category.sort_order, Category.name))
    return [("", "未設定")] + [(str(c.id), c.name) for c in cats]


def _initial(name: str, ticket) -> dict:
    """Initial values of a form from the ticket."""
    data = {"version": ticket.version}
    if name == "update":
        data.update(category=ticket.category_id, priority=ticket.priority, main=ticket.main_handler_id,
                    backup=ticket.backup_handler_id, status=ticket.status)
    elif name == "triage":
        data.update(category=ticket.category_id, priority=ticket.priority)
    elif name == "assign":
        data.update(main=ticket.main_handler_id, backup=ticket.backup_handler_id)
    elif name == "resolve":
        data.update(root_cause=ticket.root_cause, resolution_type=ticket.resolution_type or "",
                    resolution_summary=ticket.resolution_summary, hours_saved_per_year=ticket.hours_saved_per_year)
    elif name == "note":
        data.update(kind="internal")
    return data


def _load_text(load) -> str:
    """「主3・副1」: a person's open tickets, shown in the handler lists."""
    if load is None:
        return ""
    return f"（対応中 主{load.main_open}・副{load.backup_open}）"


def people_choices(ticket, staff=None) -> list[tuple[str, str]]:
    """Assignable staff with their current open load (two GROUP BY queries, no query per person)."""
    people = staff if staff is not None else assignable_staff()
    by_id = loads(people)
    return [(str(u.id), f"{u.name}{_load_text(by_id.get(u.id))}") for u in people]


def status_choices(ticket) -> list[tuple[str, str]]:
    """The current status (「変更しない」) and the statuses staff may move to here (解決 has its own form)."""
    targets = [t for t in allowed_targets(ticket.status, "dx_staff") if t not in REQUIRES_RESOLUTION]
    current = (ticket.status, f"{STATUS_LABELS.get(ticket.status, ticket.status)}（現在のまま）")
    return [current] + [(t, STATUS_LABELS[t]) for t in targets]


def make_form(name: str, ticket, posted: bool = False, staff=None):
    """Build one of the panel's forms with its choices; `posted` binds it to the request's form data."""
    cls = FORMS[name]
    form = cls(prefix=name) if posted else cls(formdata=None, prefix=name, data=_initial(name, ticket))
    if name == "update":
        form.category.choices = _category_choices(ticket)
        people = people_choices(ticket, staff)
        form.main.choices = [("", "未割当" if ticket.main_handler_id is None else "選んでください")] + people
        form.backup.choices = [("", "なし")] + people
        form.status.choices = status_choices(ticket)
    elif name == "triage":
        form.category.choices = _category_choices(ticket)
    elif name == "assign":
        people = [(str(u.id), u.name) for u in (staff if staff is not None else assignable_staff())]
        form.main.choices = [("", "選んでください")] + people
        form.backup.choices = [("", "なし")] + people
    elif name == "status":
        targets = [t for t in allowed_targets(ticket.status, "dx_staff") if t not in REQUIRES_RESOLUTION]
        form.status.choices = [(t, STATUS_LABELS[t]) for t in targets]
    return form


def panel_context(ticket, forms: dict | None = None) -> dict:
    """Everything `desk/_ticket_panel.html` needs; `forms` replaces some forms (kept input after an error)."""
    staff = assignable_staff()
    built = {name: make_form(name, ticket, staff=staff) for name in FORMS if name not in (forms or {})}
    built.update(forms or {})
    targets = allowed_targets(ticket.status, "dx_staff")
    return {
        "forms": built,
        "suggestion": suggest_handler(ticket) if ticket.is_open else None,
        "can_resolve": "resolved" in targets,
        "status_targets": [t for t in targets if t not in REQUIRES_RESOLUTION],
        "frozen": ticket.status in ("closed", "withdrawn"),
        "overdue": is_overdue(ticket),
    }
