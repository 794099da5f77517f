"""Reports: the 実績 dashboard and the CSV / Excel exports (DX staff and admins only)."""
from flask import Response, redirect, render_template, request, session, stream_with_context, url_for
from flask_login import current_user

from consult.auth.guards import staff_required
from consult.tickets.satisfaction import summary as satisfaction_summary
from models import utcnow

from . import bp, exportjobs, exports, service
from .forms import ExportOptionsForm, PeriodForm
from .periods import JST_OFFSET, resolve_period

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/")
@staff_required
def dashboard():
    """Dashboard 実績 for the chosen period; an invalid custom range is a 400 with the form errors."""
    form = PeriodForm(formdata=request.args if request.args else None)
    wareki = bool(session.get("wareki"))
    switched = form.switch_to_typed_dates()
    if request.args and not form.validate():
        return render_template("reports/dashboard.html", title="実績", form=form, data=None), 400
    period = resolve_period(form.period.data or "fy", form.start_date, form.end_date, wareki=wareki)
    structure = form.structure.data if form.structure.data in ("then", "today") else "then"
    data = service.dashboard(period, wareki=wareki, structure=structure)
    form.start.data, form.end.data = period.start.isoformat(), period.end.isoformat()
    form.shown_start.data, form.shown_end.data = form.start.data, form.end.data
    return render_template("reports/dashboard.html", title="実績", form=form, data=data, switched=switched,
                           satisfaction=satisfaction_summary(period),
                           export_form=ExportOptionsForm(formdata=None), period_args=_period_args(form))


PERIOD_KEYS = ("period", "start", "end", "shown_start", "shown_end")


def _period_args(form: PeriodForm) -> dict[str, str]:
    """The query arguments that select the shown period again (carried by the export buttons)."""
    return {"period": form.period.data, "start": form.start.data, "end": form.end.data}


def _export_period():
    """The period the export buttons carried (None: everything, as before), or an error response."""
    if "period" not in request.args:
        return None, None
    form = PeriodForm(formdata=request.args)
    if not form.validate():
        return None, (render_template("reports/dashboard.html", title="実績", form=form, data=None), 400)
    return resolve_period(form.period.data, form.start_date, form.end_date), None


def _filename(stem: str, ext: str) -> str:
    """tickets-20260401-0930.csv (JST time of the export)."""
    return f"{stem}-{(utcnow() + JST_OFFSET):%Y%m%d-%H%M}.{ext}"


def _attachment(body, mimetype: str, filename: str) -> Response:
    """A streamed download."""
    response = Response(body, content_type=mimetype)  # as given: mimetype= would add a second charset
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _ticket_options() -> tuple[bool, dict]:
    """Whether internal notes were asked for (staff only, as the guard ensures) and the filters used."""
    options = ExportOptionsForm(formdata=request.args)
    include = bool(options.include_internal.data) and current_user.is_staff
    filters = {k: v for k, v in request.args.lists() if k != "include_internal" and k not in PERIOD_KEYS}
    return include, filters


def _queue_args():
    """The request's arguments without the period ones (those are not queue filters)."""
    args = request.args.copy()
    for key in PERIOD_KEYS:
        args.pop(key, None)
    return args


def _as_job(kind: str, fmt: str, args, include: bool, period):
    """A redirect to the progress page of a background export when this one is too big for a request, else None."""
    params = exportjobs.make_params(args, include, period)
    if not exportjobs.needs_job(kind, params):
        return None
    job = exportjobs.request_export(current_user, kind, fmt, params)
    return redirect(url_for("reports.export_job", job_id=job.id), 303)


def _with_period(filters: dict, period) -> dict:
    """The logged filters plus the exported period."""
    if period is None:
        return filters
    return {**filters, "period": [period.start.isoformat(), period.end.isoformat()]}


@bp.route("/export/tickets.csv")
@staff_required
def export_tickets_csv():
    """All tickets matching the queue filters, as CSV (UTF-8 with BOM), streamed (a background job when large)."""
    period, error = _export_period()
    if error:
        return error
    include, filters = _ticket_options()
    if job := _as_job("ticket", "csv", _queue_args(), include, period):
        return job
    exports.log_export("ticket", "csv", current_user, include, _with_period(filters, period))
    header = exports.TICKET_HEADER + ([exports.INTERNAL_HEADER] if include else [])
    rows = exports.ticket_rows(_queue_args(), include, period)
    body = stream_with_context(exports.csv_chunks(header, rows))
    return _attachment(body, CSV_TYPE, _filename("tickets", "csv"))


@bp.route("/export/tickets.xlsx")
@staff_required
def export_tickets_xlsx():
    """All tickets matching the queue filters, as an Excel workbook (a background job when large)."""
    period, error = _export_period()
    if error:
        return error
    include, filters = _ticket_options()
    if job := _as_job("ticket", "xlsx", _queue_args(), include, period):
        return job
    exports.log_export("ticket", "xlsx", current_user, include, _with_period(filters, period))
    header = exports.TICKET_HEADER + ([exports.INTERNAL_HEADER] if include else [])
    tmp = exports.write_xlsx("相談", header, exports.ticket_rows(_queue_args(), include, period))
    return _attachment(exports.file_chunks(tmp), XLSX_TYPE, _filename("tickets", "xlsx"))


@bp.route("/export/cases.csv")
@staff_required
def export_cases_csv():
    """Every case (all statuses), as CSV (UTF-8 with BOM), streamed (a background job when large)."""
    period, error = _export_period()
    if error:
        return error
    if job := _as_job("case", "csv", {}, False, period):
        return job
    exports.log_export("case", "csv", current_user, filters=_with_period({}, period))
    body = stream_with_context(exports.csv_chunks(exports.CASE_HEADER, exports.case_rows(period)))
    return _attachment(body, CSV_TYPE, _filename("cases", "csv"))


@bp.route("/export/cases.xlsx")
@staff_required
def export_cases_xlsx():
    """Every case (all statuses), as an Excel workbook (a background job when large)."""
    period, error = _export_period()
    if error:
        return error
    if job := _as_job("case", "xlsx", {}, False, period):
        return job
    exports.log_export("case", "xlsx", current_user, filters=_with_period({}, period))
    tmp = exports.write_xlsx("解決事例", exports.CASE_HEADER, exports.case_rows(period))
    return _attachment(exports.file_chunks(tmp), XLSX_TYPE, _filename("cases", "xlsx"))
