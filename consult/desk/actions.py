"""POST endpoints of the staff panel: each runs one service and redirects back to the ticket page."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from consult.auth.guards import staff_required
from consult.errors import ConflictError, DomainError, NotAllowed, NotFound
from models import STATUS_LABELS

from . import bp, service
from .history import action_label, ticket_events
from .page import staff_sections
from .panel import make_form
from .queries import get_ticket
from .update import Changes, update_ticket


def ticket_url(number: str, anchor: str = "") -> str:
    """The ticket page (tickets.show), optionally with an #anchor."""
    try:
        url = url_for("tickets.show", number=number)
    except BuildError:  # the requester-side blueprint is not wired in this build
        url = f"/tickets/{number}"
    return f"{url}#{anchor}" if anchor else url


def _render_action(ticket, name: str, form, status: int, message: str | None = None, conflict=None):
    """Show the panel again with the user's input kept, the error or the conflict, and recent changes."""
    if conflict is not None:
        form.version.data = ticket.version  # they saw the differences; sending again is deliberate
    recent = ticket_events(ticket)[-5:] if conflict is not None else []
    return render_template(
        "desk/action.html", ticket=ticket, failed=name, message=message, conflict=conflict,
        recent=recent, action_label=action_label, **staff_sections(ticket, {name: form}),
        title=f"{ticket.number} の操作",
    ), status


def _run(name: str, number: str, operation, success: str):
    """Validate the posted form, run `operation(ticket, form)`, and answer with a redirect or the kept form."""
    ticket = get_ticket(number)
    form = make_form(name, ticket, posted=True)
    if not form.validate():
        return _render_action(ticket, name, form, 400)
    try:
        changed = operation(ticket, form)
    except (NotAllowed, NotFound):
        raise
    except ConflictError as exc:
        return _render_action(get_ticket(number), name, form, 409, exc.message, conflict=exc)
    except DomainError as exc:
        return _render_action(ticket, name, form, exc.status, exc.message)
    if callable(success):
        success = success(changed)
    flash(success if changed not in (False, []) else "変更はありませんでした。", "success" if changed not in (False, []) else "info")
    return redirect(ticket_url(number, "desk-panel"))


@bp.route("/tickets/<number>/update", methods=["POST"])
@staff_required
def update(number):
    """The side panel's one 「更新」: 分類, 優先度, 主担当・副担当 and 状態 with one version check."""
    def operation(ticket, form):
        changes = Changes(category_id=form.category.data, priority=form.priority.data, main_id=form.main.data,
                          backup_id=form.backup.data, status=form.status.data)
        return update_ticket(ticket, changes, form.posted_version(), current_user)

    return _run("update", number, operation, lambda changed: "、".join(changed) + "を更新しました。")


@bp.route("/tickets/<number>/triage", methods=["POST"])
@staff_required
def triage(number):
    """Set 分類 and 優先度."""
    return _run("triage", number, lambda t, f: service.triage(
        t, f.category.data, f.priority.data, f.posted_version(), current_user), "分類・優先度を更新しました。")


@bp.route("/tickets/<number>/assign", methods=["POST"])
@staff_required
def assign(number):
    """Set 主担当 and 副担当."""
    return _run("assign", number, lambda t, f: service.assign(
        t, f.main.data, f.backup.data, f.posted_version(), current_user), "担当者を割り当てました。")


@bp.route("/tickets/<number>/self-assign", methods=["POST"])
@staff_required
def self_assign(number):
    """「自分が担当」 in one click."""
    return _run("self_assign", number, lambda t, f: service.self_assign(
        t, f.posted_version(), current_user), "あなたを主担当にしました。")


@bp.route("/tickets/<number>/status", methods=["POST"])
@staff_required
def status(number):
    """Change the status along the workflow."""
    def operation(ticket, form):
        service.change_status(ticket, form.status.data, form.posted_version(), current_user)

    label = STATUS_LABELS.get(request.form.get("status-status", ""), "")
    return _run("status", number, operation, f"状態を「{label}」に変更しました。")


@bp.route("/tickets/<number>/resolve", methods=["POST"])
@staff_required
def resolve(number):
    """Record the resolution and move to 解決."""
    return _run("resolve", number, lambda t, f: service.resolve(
        t, f.root_cause.data, f.resolution_type.data, f.resolution_summary.data, f.hours_saved_per_year.data,
        f.posted_version(), current_user), "解決として記録しました。")


@bp.route("/tickets/<number>/note", methods=["POST"])
@staff_required
def note(number):
    """Add an internal note or a public reply."""
    def operation(ticket, form):
        service.add_note(ticket, form.body.data, form.kind.data != "public", current_user)

    public = request.form.get("note-kind") == "public"
    return _run("note", number, operation, "返信を送信しました。" if public else "内部メモを追加しました。")
