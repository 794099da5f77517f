"""Requester pages: 相談する, 自分の相談, the ticket page and its actions, attachment downloads."""
from collections import defaultdict

from flask import flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from consult.auth.guards import roles_required
from consult.cases import browse
from consult.cases.usage import issue_intake_token
from consult.errors import ConflictError, DomainError, NotFound
from consult.paging import page_number

from . import bp, lifecycle, queries, satisfaction, service
from .access import FILER_ROLES, get_visible_ticket, visible_comments
from .attachments import ALLOWED, ALLOWED_LABEL, check_uploads, chosen_names, content_disposition, max_total_bytes
from .forms import FREQUENCY_OTHER, IntakeForm, ListFilterForm, ReplyForm, StatusActionForm, parse_hours
from .similar import similar_open
from .store import served
from .views_similar import TEXT_FIELDS, typed_text

DRAFT_MAX_BYTES = 256 * 1024


def _intake_form() -> IntakeForm:
    """The intake form with the current categories offered."""
    form = IntakeForm()
    form.category.choices = [("", "わからない・選ばない")] + [(str(c.id), c.name) for c in service.active_categories()]
    return form


def _restore_draft(form: IntakeForm, data: dict) -> None:
    """Fill the form from a saved draft."""
    for key in service.DRAFT_FIELDS:
        if key in data and key in form:
            form[key].data = data[key]


def _intake_from_form(form: IntakeForm) -> service.Intake:
    """The service's input from a validated form."""
    frequency = form.frequency.data
    if frequency == FREQUENCY_OTHER:
        frequency = form.frequency_other.data.strip()[:100]
    return service.Intake(
        title=form.title.data, purpose=form.purpose.data, current_process=form.current_process.data,
        problem=form.problem.data, desired_state=form.desired_state.data or "", frequency=frequency,
        hours_per_month=parse_hours(form.hours_per_month.data), urgency=form.urgency.data,
        desired_timing=form.desired_timing.data or "", contains_personal_info=form.contains_personal_info.data == "yes",
        category_id=int(form.category.data) if form.category.data else None, intake_token=form.intake_token.data or None,
    )  # fmt: skip


def _render_new(form, status=200, error=None, reselect=None, draft=None, cases=None):
    """Render the intake page; what is already typed gets its similar open consultations (and, when asked for
    without JavaScript, its cases) in the side panel from the server."""
    text = typed_text({k: form[k].data or "" for k in TEXT_FIELDS})
    return render_template(
        "tickets/new.html", form=form, error=error, reselect=reselect or [], draft=draft,
        allowed_label=ALLOWED_LABEL, accept=",".join("." + e for e in ALLOWED), max_mb=max_total_bytes() // (1024 * 1024),
        similar=similar_open(text, current_user), case_hits=cases,
    ), status  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*FILER_ROLES)
def new():
    """Intake form 相談する: file a ticket, or keep a draft without JavaScript."""
    form = _intake_form()
    if request.method == "GET":
        draft = service.get_draft(current_user)
        if draft is not None:
            _restore_draft(form, draft.data or {})
        form.intake_token.data = issue_intake_token(current_user)
        return _render_new(form, draft=draft)
    if not form.intake_token.data:
        form.intake_token.data = issue_intake_token(current_user)
    files = request.files.getlist(form.attachments.name)
    if request.form.get("action") == "draft":
        # CSRFProtect has already checked the token; a draft may be incomplete, so nothing else is validated.
        service.save_draft(current_user, {k: request.form.get(k, "") for k in service.DRAFT_FIELDS})
        message = "下書きを保存しました。"
        if chosen_names(files):
            message += "添付ファイルは下書きに保存されません。送信するときにもう一度選択してください。"
        flash(message, "success")
        return redirect(url_for("tickets.new"))
    if request.form.get("action") == "similar":  # 「似た相談・事例を確認する」 without JavaScript: nothing is validated
        return _render_new(form, reselect=chosen_names(files),
                           cases=browse.suggest(typed_text(request.form), user=current_user))
    valid = form.validate_on_submit()
    uploads, upload_errors = check_uploads(files)
    form.attachments.errors = list(form.attachments.errors) + upload_errors
    error = None
    if valid and not upload_errors:
        try:
            ticket = service.file_ticket(_intake_from_form(form), uploads, current_user)
        except DomainError as exc:
            error = exc.message
        else:
            flash(f"相談を受け付けました（受付番号 {ticket.number}）。DX推進担当から連絡します。", "success")
            return redirect(url_for("tickets.show", number=ticket.number))
    return _render_new(form, status=422, error=error, reselect=chosen_names(files))


@bp.route("/draft", methods=["POST"])
@roles_required(*FILER_ROLES)
def save_draft():
    """Autosave of the intake form (JSON from intake.js, X-CSRFToken header)."""
    if (request.content_length or 0) > DRAFT_MAX_BYTES:
        return jsonify(ok=False, error="下書きが大きすぎます。"), 413
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # absurdly nested JSON
        data = None
    if not isinstance(data, dict):
        return jsonify(ok=False, error="下書きの形式が正しくありません。"), 400
    try:
        draft = service.save_draft(current_user, data)
    except DomainError as exc:
        return jsonify(ok=False, error=exc.message), 400
    return jsonify(ok=True, saved_at=draft.updated_at.isoformat() + "Z")


@bp.route("/draft/discard", methods=["POST"])
@roles_required(*FILER_ROLES)
def discard_draft():
    """Throw the intake draft away and start with an empty form."""
    if service.discard_draft(current_user):
        flash("下書きを破棄しました。", "info")
    return redirect(url_for("tickets.new"))


@bp.route("/mine")
@login_required
def mine():
    """My and my department's consultations, with filters and pages."""
    form = ListFilterForm(request.args)
    form.validate()
    status = form.status.data or ""
    scope = form.scope.data if form.scope.data in ("dept", "mine") else "dept"
    q = (form.q.data or "")[:100]
    page = queries.list_tickets(current_user, status=status, scope=scope, q=q, page=page_number(request.args.get("page")))
    return render_template("tickets/mine.html", form=form, page=page, filtered=bool(status or q or scope == "mine"))


def posted_reply():
    """The posted reply form with its attachments checked (the ticket page's reply and the staff reply-then):
    (form, files, uploads, whether both are valid); file errors are added to the form's attachment field."""
    form = ReplyForm()
    files = request.files.getlist(form.attachments.name)
    valid = form.validate_on_submit()
    uploads, upload_errors = check_uploads(files)
    form.attachments.errors = list(form.attachments.errors) + upload_errors
    return form, files, uploads, valid and not upload_errors


def page_sections(ticket, user) -> dict:
    """What the ticket page shows beyond the ticket and its conversation, built here so that templates load no
    data: 満足度 and 関連する相談 for everyone; for DX staff the side panel, reply-then buttons and 定型文 (desk) and the
    case drafted from the ticket with the similar published cases (knowledge base)."""
    from consult.cases.helpers import ticket_sections
    from consult.desk.links import related
    from consult.desk.page import staff_sections

    sections = {"satisfaction": satisfaction.page_state(ticket, user), "related": related(ticket, user)}
    if user.is_staff:
        sections.update(staff_sections(ticket))
        sections.update(ticket_sections(ticket, user))
    return sections


def _render_show(ticket, status=200, reply_form=None, error=None, reselect=None):
    """Render the ticket page (used after failed actions too, keeping what was typed)."""
    comments = visible_comments(ticket, current_user)
    attachments = queries.visible_attachments(ticket, current_user)
    by_comment = defaultdict(list)
    for attachment in attachments:
        by_comment[attachment.comment_id].append(attachment)
    template = "desk/ticket.html" if current_user.is_staff else "tickets/show.html"
    return render_template(
        template, **page_sections(ticket, current_user), ticket=ticket, comments=comments, files=by_comment, history=queries.status_history(ticket),
        actions=lifecycle.available_actions(ticket, current_user), reopen_deadline=lifecycle.reopen_deadline(ticket),
        reply_form=reply_form or ReplyForm(formdata=None), action_form=StatusActionForm(formdata=None, version=ticket.version),
        error=error, reselect=reselect or [], allowed_label=ALLOWED_LABEL, accept=",".join("." + e for e in ALLOWED),
        max_mb=max_total_bytes() // (1024 * 1024),
    ), status  # fmt: skip


@bp.route("/<number>")
@login_required
def show(number):
    """The ticket page: the request, conversation, history, attachments and actions."""
    ticket = get_visible_ticket(number, current_user)
    if ticket.merged_into_id:  # a merged duplicate: its number leads to the ticket it lives in now
        from consult.desk.links import merged_target

        return redirect(url_for("tickets.show", number=merged_target(ticket).number))
    return _render_show(ticket)


@bp.route("/<number>/reply", methods=["POST"])
@login_required
def reply(number):
    """Post a public reply with attachments."""
    ticket = get_visible_ticket(number, current_user)
    form, files, uploads, ok = posted_reply()
    if ok:
        try:
            lifecycle.reply(ticket, form.body.data, uploads, current_user)
        except ConflictError as exc:
            ticket = get_visible_ticket(number, current_user)
            return _render_show(ticket, 409, form, exc.message, chosen_names(files))
        except DomainError as exc:
            return _render_show(ticket, exc.status, form, exc.message, chosen_names(files))
        flash("返信を送信しました。", "success")
        return redirect(url_for("tickets.show", number=ticket.number, _anchor="conversation"))
    return _render_show(ticket, 422, form, None, chosen_names(files))


def _status_action(number, operation, done_message):
    """Run withdraw/reopen/close from a StatusActionForm and come back to the ticket page."""
    ticket = get_visible_ticket(number, current_user)
    form = StatusActionForm()
    if not form.validate_on_submit():
        return _render_show(ticket, 422, error="入力内容を確認してください。" + " ".join(
            m for name, msgs in form.errors.items() for m in msgs if name != "csrf_token"))
    try:
        operation(ticket, current_user, expected_version=form.version.data, reason=form.reason.data or "")
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        ticket = get_visible_ticket(number, current_user)
        return _render_show(ticket, exc.status, error=exc.message)
    flash(done_message, "success")
    return redirect(url_for("tickets.show", number=number))


@bp.route("/<number>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(number):
    """取下げ: confirmation page (GET) and the withdrawal itself (POST)."""
    if request.method == "GET":
        ticket = get_visible_ticket(number, current_user)
        if not lifecycle.available_actions(ticket, current_user)["withdraw"]:
            return _render_show(ticket, 409, error=f"この相談は「{ticket.status_label}」のため取り下げできません。")
        return render_template("tickets/withdraw.html", ticket=ticket, form=StatusActionForm(formdata=None, version=ticket.version))
    return _status_action(number, lifecycle.withdraw, "相談を取り下げました。")


@bp.route("/<number>/reopen", methods=["POST"])
@login_required
def reopen(number):
    """再開: a resolved ticket goes back to 対応中."""
    return _status_action(number, lifecycle.reopen, "相談を再開しました。DX推進担当が引き続き対応します。")


@bp.route("/<number>/close", methods=["POST"])
@login_required
def close(number):
    """完了: the requester confirms the resolution."""
    return _status_action(number, lifecycle.confirm_close, "解決を確認し、相談を完了にしました。ありがとうございました。")


@bp.route("/<number>/attachments/<int:attachment_id>")
@login_required
def download_attachment(number, attachment_id):
    """Download an attachment (always as a file, never shown inline)."""
    ticket = get_visible_ticket(number, current_user)
    attachment = queries.get_attachment(ticket, attachment_id, current_user)
    source = served(attachment.stored_name)
    lifecycle.record_download(ticket, attachment, current_user)
    response = send_file(source, mimetype=attachment.content_type, max_age=0, etag=False, conditional=False)
    response.headers["Content-Disposition"] = content_disposition(attachment.original_name, attachment.id)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
