"""公文書 pages: 保存期間満了 list, proposals and approvals, one record's retention, ledgers, settings."""
from datetime import date

from flask import abort, flash, redirect, render_template, request, send_file, stream_with_context, url_for
from flask_login import current_user

from consult.auth.guards import admin_required, staff_required
from consult.errors import DomainError, NotFound
from consult.reports import exports
from consult.tickets.access import get_visible_ticket

from . import bp, disposal, ledgers, rules, schedule, service, transfer
from .forms import AsOfForm, ExtendForm, HoldForm, ProposeForm, RuleForm, VersionForm

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _actor():
    """The logged-in user as a plain object."""
    return current_user._get_current_object()


def _int(value, default=None):
    """An integer from a form value, else `default`."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _due_page(as_of: date, form: AsOfForm, error=None, status=200, checked=()):
    """Render the 保存期間満了 list."""
    return render_template("records/due.html", title="保存期間満了", form=form, as_of=as_of,
                           rows=service.due_records(as_of), pending=service.pending(), error=error,
                           propose_form=ProposeForm(formdata=None, as_of=as_of.isoformat()), checked=set(checked)), status


@bp.route("/")
@staff_required
def due():
    """保存期間満了: records due at the chosen date (changes nothing)."""
    form = AsOfForm(request.args)
    if request.args.get("as_of") and not form.validate():
        return _due_page(schedule.today(), form, status=400)
    return _due_page(form.as_of.data or schedule.today(), form)


@bp.route("/propose", methods=["POST"])
@staff_required
def propose():
    """Step 1: propose disposal/transfer of the checked records (DX staff)."""
    form = ProposeForm()
    as_of = schedule.today()
    if form.validate_on_submit():
        try:
            as_of = date.fromisoformat(form.as_of.data)
        except ValueError:
            form.as_of.errors = ["基準日を読めません"]
    values = request.form.getlist("ticket")
    selected = {}
    for value in values:
        ticket_id, _, version = value.partition(":")
        if _int(ticket_id) is not None and _int(version) is not None:
            selected[_int(ticket_id)] = _int(version)
    if form.errors:
        return _due_page(as_of, AsOfForm(formdata=None, as_of=as_of), "入力内容を確認してください。", 422, values)
    try:
        count = service.propose(selected, as_of, _actor())
    except DomainError as exc:
        return _due_page(as_of, AsOfForm(formdata=None, as_of=as_of), exc.message, exc.status if exc.status != 400 else 422,
                         values)
    flash(f"{count}件の廃棄・移管を提案しました。文書管理者（管理者）の承認を待っています。", "success")
    return redirect(url_for("records.approvals"))


@bp.route("/approvals")
@staff_required
def approvals():
    """Records under way: proposals to approve, approved ones waiting for `jobs run`, packages to confirm."""
    return render_template("records/approvals.html", title="廃棄・移管の承認", pending=service.pending(),
                           form=VersionForm(formdata=None), error=request.args.get("error"))


def _version_action(ticket_id: int, operation, message: str):
    """Run approve/reject/confirm with the version the page showed; come back to the approvals page."""
    form = VersionForm()
    if not form.validate_on_submit():
        return render_template("records/approvals.html", title="廃棄・移管の承認", pending=service.pending(),
                               form=VersionForm(formdata=None), error="画面を読み込み直してから操作してください。"), 422
    try:
        operation(ticket_id, form.version.data, _actor())
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return render_template("records/approvals.html", title="廃棄・移管の承認", pending=service.pending(),
                               form=VersionForm(formdata=None), error=exc.message), exc.status
    flash(message, "success")
    return redirect(url_for("records.approvals"))


@bp.route("/<int:ticket_id>/approve", methods=["POST"])
@admin_required
def approve(ticket_id):
    """Step 2: the 文書管理者 approves."""
    return _version_action(ticket_id, service.approve, "承認しました。次回の定期処理（jobs run）で実行されます。")


@bp.route("/<int:ticket_id>/reject", methods=["POST"])
@admin_required
def reject(ticket_id):
    """Send a proposal back."""
    return _version_action(ticket_id, service.reject, "提案を差し戻しました。記録はそのまま保存されます。")


@bp.route("/<int:ticket_id>/confirm", methods=["POST"])
@admin_required
def confirm(ticket_id):
    """The archives received the package: dispose locally at the next run."""
    return _version_action(ticket_id, service.confirm_transfer, "受領を確認しました。次回の定期処理で庁内の記録を廃棄します。")


@bp.route("/packages/<name>")
@admin_required
def package(name):
    """Download a transfer package."""
    try:
        path = transfer.package_path(name)
    except ValueError:
        abort(404)
    if not path.is_file():
        raise NotFound("移管パッケージが見つかりません。")
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=name)


def _record_page(number, extend_form=None, hold_form=None, error=None, status=200):
    """Render one record's retention page."""
    ticket = get_visible_ticket(number, current_user)
    entry = disposal.tombstone(ticket.id)
    row = None if entry else service.record_row(ticket.id)
    return render_template("records/record.html", title=f"保存期間：{ticket.number}", ticket=ticket, row=row,
                           entry=entry, extend_form=extend_form or ExtendForm(formdata=None),
                           hold_form=hold_form or HoldForm(formdata=None), release_form=VersionForm(formdata=None),
                           error=error), status


@bp.route("/r/<number>")
@staff_required
def record(number):
    """One record: its 保存期間, 満了日, extension and hold."""
    return _record_page(number)


def _record_action(number, form, operation, message, which):
    """Run extend/hold/release for a record page form."""
    ticket = get_visible_ticket(number, current_user)
    forms = {which: form}
    if not form.validate_on_submit():
        return _record_page(number, forms.get("extend"), forms.get("hold"), status=422)
    try:
        operation(ticket.id, form, _int(form.version.data, -1))
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _record_page(number, forms.get("extend"), forms.get("hold"), exc.message,
                            exc.status if exc.status != 400 else 422)
    flash(message, "success")
    return redirect(url_for("records.record", number=number))


@bp.route("/r/<number>/extend", methods=["POST"])
@staff_required
def extend(number):
    """延長 with a reason."""
    return _record_action(number, ExtendForm(), lambda tid, f, v: service.extend(tid, f.years.data, f.reason.data, v, _actor()),
                          "保存期間を延長しました。", "extend")


@bp.route("/r/<number>/hold", methods=["POST"])
@staff_required
def hold(number):
    """保留 (e.g. 開示請求中): no disposal until released."""
    return _record_action(number, HoldForm(), lambda tid, f, v: service.hold(tid, f.reason.data, v, _actor()),
                          "記録を保留にしました。解除するまで廃棄・移管されません。", "hold")


@bp.route("/r/<number>/release", methods=["POST"])
@staff_required
def release(number):
    """Release a hold."""
    return _record_action(number, VersionForm(), lambda tid, f, v: service.release(tid, v, _actor()),
                          "保留を解除しました。", "release")


@bp.route("/ledger")
@staff_required
def ledger():
    """ファイル管理簿 in the browser (first rows) with CSV/XLSX downloads."""
    rows = []
    for n, row in enumerate(ledgers.file_rows()):
        if n >= 500:
            break
        rows.append(row)
    return render_template("records/ledger.html", title="ファイル管理簿", header=ledgers.FILE_HEADER, rows=rows)


@bp.route("/disposals")
@staff_required
def disposals():
    """移管・廃棄簿 in the browser with CSV/XLSX downloads."""
    return render_template("records/disposals.html", title="移管・廃棄簿", header=ledgers.DISPOSAL_HEADER,
                           rows=list(ledgers.disposal_rows()))


@bp.route("/ledger/<kind>.<fmt>")
@staff_required
def ledger_download(kind, fmt):
    """A ledger as CSV (UTF-8 BOM) or XLSX."""
    if kind not in ledgers.LEDGERS or fmt not in ("csv", "xlsx"):
        abort(404)
    title, header, rows = ledgers.LEDGERS[kind]
    exports.log_export(f"ledger_{kind}", fmt, current_user)
    filename = f"{'file-ledger' if kind == 'files' else 'disposal-ledger'}-{schedule.today():%Y%m%d}.{fmt}"
    if fmt == "csv":
        body = stream_with_context(exports.csv_chunks(header, rows()))
        mimetype = CSV_TYPE
    else:
        body, mimetype = exports.file_chunks(exports.write_xlsx(title, header, rows())), XLSX_TYPE
    response = current_app_response(body, mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def current_app_response(body, mimetype):
    """A streamed response."""
    from flask import Response

    return Response(body, mimetype=mimetype)


def _rule_form(row, formdata=None) -> RuleForm:
    """The form of one 分類's rule; ids are prefixed per row so the page has no duplicate ids."""
    key = "none" if row.category_id is None else str(row.category_id)
    if formdata is not None:
        return RuleForm(formdata=formdata, prefix=f"r{key}-")
    return RuleForm(formdata=None, prefix=f"r{key}-", category=key,
                    years="permanent" if row.years is None else str(row.years), action=row.action, version=row.version)


def _settings_page(failed_key=None, failed_form=None, error=None, status=200):
    """Render the settings page; the row that failed keeps what was chosen."""
    rows = rules.list_rules()
    forms = {}
    for row in rows:
        key = "none" if row.category_id is None else str(row.category_id)
        forms[key] = failed_form if key == failed_key else _rule_form(row)
    return render_template("records/settings.html", title="保存期間の設定", rows=rows, forms=forms, error=error,
                           failed_key=failed_key, default_years=rules.default_years()), status


@bp.route("/settings")
@admin_required
def settings():
    """保存期間の設定: 保存期間 and 満了時の措置 per 分類 (admins; every change audited)."""
    return _settings_page()


@bp.route("/settings/<key>", methods=["POST"])
@admin_required
def settings_save(key):
    """Save the rule of one 分類 (key: category id, or 'none' for 未分類)."""
    category_id = None if key == "none" else _int(key)
    if key != "none" and category_id is None:
        abort(404)
    form = RuleForm(prefix=f"r{key}-")
    if not form.validate_on_submit():
        return _settings_page(key, form, "入力内容を確認してください。", 422)
    try:
        rules.set_rule(category_id, rules.parse_years(form.years.data), form.action.data, _int(form.version.data, -1),
                       _actor())
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _settings_page(key, form, exc.message, exc.status if exc.status != 400 else 422)
    flash("保存期間の設定を保存しました。", "success")
    return redirect(url_for("records.settings"))
