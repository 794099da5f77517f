"""Case pages for DX staff: draft from a ticket, write, edit with preview, publish, archive, manage."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from consult.auth.guards import staff_required
from consult.errors import DomainError
from consult.markup import render_markdown
from consult.paging import page_number
from models import CASE_STATUS_LABELS

from . import anonymize, bp, browse, helpers, service
from .forms import ActionForm, CaseForm

MARKDOWN_FIELDS = ("problem", "cause", "solution", "effect")
HIGHLIGHTED = (("title", "件名"), ("department_label", "所属の表示"), ("problem", "困りごと"), ("cause", "原因"),
               ("solution", "解決策"), ("effect", "効果"), ("tools", "使ったツール"), ("tags", "タグ"))


def _department_mode(case) -> tuple[str, str]:
    """Which display choice produced the case's department label: (mode, custom text)."""
    if case.department_label == service.generic_label(case.department):
        return "generic", ""
    if case.department is not None and case.department_label == case.department.full_name:
        return "actual", ""
    return "custom", case.department_label or ""


def _form_for(case=None, prefill=None) -> CaseForm:
    """The editor form with its choices (prefilled from the case on GET or when asked)."""
    form = CaseForm(formdata=None) if prefill else CaseForm()
    if case is not None and (prefill or request.method == "GET"):
        mode, custom = _department_mode(case)
        form.title.data, form.department_id.data = case.title, case.department_id
        form.department_mode.data, form.department_custom.data = mode, custom
        form.category_id.data, form.resolution_type.data = case.category_id, case.resolution_type or ""
        form.hours_saved_per_year.data = case.hours_saved_per_year
        for name in MARKDOWN_FIELDS:
            getattr(form, name).data = getattr(case, name)
        form.tools.data, form.tags.data = "、".join(case.tools or []), "、".join(case.tags or [])
        form.version.data = case.version
    form.set_choices(browse.departments(), browse.categories())
    return form


def _typed_values(case, form) -> dict:
    """What the user typed, in the shape of the case's fields (for highlighting before saving)."""
    values = {name: getattr(form, name).data or "" for name in ("title",) + MARKDOWN_FIELDS}
    values["tools"] = service.split_list(form.tools.data)
    values["tags"] = service.split_list(form.tags.data)
    values["department_label"] = case.department_label if case is not None else ""
    return values


def _render_editor(form, case=None, error=None, preview=False, status=200, typed=None):
    """The editor page: form, optional preview, highlighted findings and publish box."""
    typed = request.method == "POST" if typed is None else typed
    values, findings = None, []
    if case is not None:
        values = _typed_values(case, form) if typed else {
            name: getattr(case, name) for name, _ in HIGHLIGHTED}
        findings = service.findings(case, values)
    highlighted = []
    for name, label in HIGHLIGHTED:
        mine = [f for f in findings if f.field == name]
        if mine:
            text = values[name] if isinstance(values[name], str) else "、".join(values[name])
            highlighted.append((label, anonymize.highlight(text, mine)))
    acknowledged = set(request.form.getlist("acknowledged"))
    if not typed and case is not None:
        acknowledged |= set(case.acknowledged_findings or [])
    previews = {name: render_markdown(getattr(form, name).data) for name in MARKDOWN_FIELDS} if preview else None
    return render_template(
        "cases/edit.html", title=(f"事例の編集 {case.ref}" if case else "事例を書く"), form=form, case=case,
        error=error, previews=previews, findings=findings, highlighted=highlighted, acknowledged=acknowledged,
        vocab=browse.vocabulary(), field_labels=dict(HIGHLIGHTED), source_disposed=helpers.source_disposed(case),
    ), status


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    """Write a case from scratch (見つからなかった検索語 links here with a title to start from)."""
    form = _form_for()
    if request.method == "GET" and request.args.get("title"):
        form.title.data = request.args["title"][:200]
    action = request.form.get("action", "save")
    if form.validate_on_submit():
        if action == "preview":
            return _render_editor(form, preview=True)
        try:
            case = service.create(form.data_for_service(), current_user)
        except DomainError as exc:
            return _render_editor(form, error=exc.message, status=exc.status)
        flash(f"事例の下書き {case.ref} を作りました。", "success")
        return redirect(url_for("cases.edit", ref=case.ref))
    return _render_editor(form, status=400 if request.method == "POST" else 200)


@bp.route("/from-ticket/<number>", methods=["POST"])
@staff_required
def from_ticket(number):
    """Draft a case from a resolved ticket (or open the one already drafted)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        case, created = service.create_from_ticket(number, current_user)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return redirect(request.referrer or url_for("cases.manage"))
    flash(f"相談 {number} から事例の下書き {case.ref} を作りました。公開前に個人情報が残っていないか確認してください。"
          if created else f"相談 {number} の事例 {case.ref} はすでにあります。", "success" if created else "info")
    return redirect(url_for("cases.edit", ref=case.ref))


@bp.route("/<ref>/edit", methods=["GET", "POST"])
@staff_required
def edit(ref):
    """Edit a case: Markdown preview, findings highlighted, save or save and publish."""
    case = service.get_case(ref, current_user)
    form = _form_for(case)
    action = request.form.get("action", "save")
    if request.method == "GET" or not form.validate_on_submit():
        return _render_editor(form, case, status=400 if request.method == "POST" else 200)
    if action == "preview":
        return _render_editor(form, case, preview=True)
    acknowledged = request.form.getlist("acknowledged")
    try:
        case = service.update(case, form.data_for_service(), current_user, form.expected_version(), acknowledged)
    except DomainError as exc:
        case = service.get_case(ref, current_user)
        return _render_editor(form, case, error=exc.message, status=exc.status)
    if action == "publish":
        return _publish(case, None, [])
    flash("事例を保存しました。", "success")
    return redirect(url_for("cases.edit", ref=case.ref))


def _publish(case, version, acknowledged):
    """Publish and report the outcome (refusals go back to the editor with the reason)."""
    ref = case.ref
    try:
        service.publish(case, current_user, version, acknowledged)
    except DomainError as exc:
        case = service.get_case(ref, current_user)
        return _render_editor(_form_for(case, prefill=True), case, error=exc.message, status=exc.status, typed=False)
    flash(f"事例 {case.ref} を公開しました。", "success")
    return redirect(url_for("cases.show", ref=case.ref))


@bp.route("/<ref>/publish", methods=["POST"])
@staff_required
def publish(ref):
    """Publish or re-publish a case (acknowledged findings may be sent along)."""
    case = service.get_case(ref, current_user)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    return _publish(case, form.expected_version(), request.form.getlist("acknowledged"))


@bp.route("/<ref>/archive", methods=["POST"])
@staff_required
def archive(ref):
    """End the publication of a case."""
    case = service.get_case(ref, current_user)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.archive(case, current_user, form.expected_version())
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("cases.show", ref=ref))
    flash(f"事例 {ref} の公開を終了しました。", "success")
    return redirect(url_for("cases.show", ref=ref))


@bp.route("/manage")
@staff_required
def manage():
    """Drafts, published and archived cases for DX staff, with filters."""
    status = request.args.get("status") or ""
    status = status if status in CASE_STATUS_LABELS else ""
    q = (request.args.get("q") or "").strip()[:100]
    category_id = request.args.get("category", type=int)
    category_id = category_id if category_id and 0 < category_id < 2**31 else None  # no integer overflow in SQL
    page = page_number(request.args.get("page"))
    pagination = browse.manage_list(status, q, category_id, page)
    return render_template("cases/manage.html", title="事例の管理", pagination=pagination, status=status, q=q,
                           category_id=category_id, categories=browse.categories(), counts=browse.status_counts(),
                           labels=CASE_STATUS_LABELS)
