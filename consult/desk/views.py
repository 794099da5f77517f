"""DX-staff pages: the 受付一覧 queue, the 担当状況 board, the 履歴 tab."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from consult.auth.guards import staff_required
from models import PRIORITY_LABELS, STATUS_LABELS, URGENCY_LABELS

from . import bp, service
from .forms import SkillsForm
from .history import action_label, changes, lookups, ticket_events
from .queries import (
    SORTS,
    all_categories,
    department_options,
    get_ticket,
    parse_filters,
    queue_page,
)
from .queue_extras import replied_by_requester
from .sla import OVERDUE_LABELS, overdue_kinds, today_jst
from .workload import board, handler_filter_options

FILTER_COOKIE = "desk_filters"  # set by desk.js when the filter panel is folded or opened


def _status_links(counts: dict[str, int]) -> list[tuple[str, str, int, str]]:
    """(code, label, count, url) per status, keeping the other filters."""
    args = request.args.to_dict(flat=False)
    for key in ("status", "page", "f"):
        args.pop(key, None)
    from consult.core.templating import url_with_query

    return [(code, label, counts.get(code, 0), url_with_query("desk.queue", {**args, "status": [code]}))
            for code, label in STATUS_LABELS.items()]


@bp.route("/")
@staff_required
def queue():
    """One queue 受付一覧 for every department, filtered, sorted and paged."""
    params = parse_filters(request.args)
    params["today"] = today = today_jst()
    page, counts = queue_page(params, request.args.get("page"))
    missed = {t.id: overdue_kinds(t, today) for t in page.items}
    return render_template(
        "desk/queue.html", title="受付一覧", page=page, params=params, counts=counts,
        status_links=_status_links(counts), overdue={i for i, kinds in missed.items() if kinds},
        missed=missed, OVERDUE_LABELS=OVERDUE_LABELS, replied=replied_by_requester(page.items),
        categories=all_categories(),
        departments=department_options(), staff=handler_filter_options(), sorts=SORTS,
        STATUS=STATUS_LABELS, PRIORITY=PRIORITY_LABELS, URGENCY=URGENCY_LABELS,
        filters_open=request.cookies.get(FILTER_COOKIE) != "closed",
    )


def _skills_form(formdata=None) -> SkillsForm:
    """The 得意な分類 form of the current user, with every active category as a checkbox."""
    form = SkillsForm(formdata=formdata, data={"categories": [c.id for c in current_user.skills]})
    cats = all_categories(active_only=True)
    form.categories.choices = [(c.id, c.name) for c in cats]
    return form


@bp.route("/workload")
@staff_required
def workload():
    """Workload board 担当状況 and the current staff member's 得意な分類."""
    return render_template("desk/workload.html", title="担当状況", rows=board(), form=_skills_form(),
                           STATUS=STATUS_LABELS, PRIORITY=PRIORITY_LABELS)


@bp.route("/workload/skills", methods=["POST"])
@staff_required
def skills():
    """Save the categories the current staff member is strong in."""
    form = _skills_form(request.form)
    if not form.validate():
        return render_template("desk/workload.html", title="担当状況", rows=board(), form=form,
                               STATUS=STATUS_LABELS, PRIORITY=PRIORITY_LABELS), 400
    changed = service.set_skills(current_user, form.categories.data or [], current_user)
    flash("得意な分類を保存しました。" if changed else "変更はありませんでした。", "success" if changed else "info")
    return redirect(url_for("desk.workload") + "#skills")


@bp.route("/tickets/<number>/history")
@login_required
def history(number):
    """The 履歴 tab: every audit event of the ticket (DX staff; anyone else is told it does not exist)."""
    if not current_user.is_staff:
        abort(404)  # the audit history of a ticket is an object: never a 403 that confirms it exists
    ticket = get_ticket(number)
    events = ticket_events(ticket)
    return render_template("desk/history.html", title=f"{ticket.number} の履歴", ticket=ticket, events=events,
                           names=lookups(events), changes=changes, action_label=action_label)
