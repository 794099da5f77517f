"""Reports: the 実績 dashboard and the CSV / Excel exports (DX staff and admins only)."""
from flask import Response, render_template, request, session, stream_with_context
from flask_login import current_user

from consult.auth.guards import staff_required
from models import utcnow

from . import bp, exports, service
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
    if request.args and not form.validate():
        return render_template("reports/dashboard.html", title="実績", form=form, data=None), 400
    period = resolve_period(form.period.data or "fy", form.start_date, form.end_date, wareki=wareki)
    structure = form.structure.data if form.structure.data in ("then", "today") else "then"
    data = service.dashboard(period, wareki=wareki, structure=structure)
    return render_template("reports/dashboard.html", title="実績", form=form, data=data,
                           export_form=ExportOptionsForm(formdata=None))


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
    filters = {k: v for k, v in request.args.lists() if k != "include_internal"}
    return include, filters


@bp.route("/export/tickets.csv")
@staff_required
def export_tickets_csv():
    """All tickets matching the queue filters, as CSV (UTF-8 with BOM), streamed."""
    include, filters = _ticket_options()
    exports.log_export("ticket", "csv", current_user, include, filters)
    header = exports.TICKET_HEADER + ([exports.INTERNAL_HEADER] if include else [])
    rows = exports.ticket_rows(request.args, include)
    body = stream_with_context(exports.csv_chunks(header, rows))
    return _attachment(body, CSV_TYPE, _filename("tickets", "csv"))


@bp.route("/export/tickets.xlsx")
@staff_required
def export_tickets_xlsx():
    """All tickets matching the queue filters, as an Excel workbook."""
    include, filters = _ticket_options()
    exports.log_export("ticket", "xlsx", current_user, include, filters)
    header = exports.TICKET_HEADER + ([exports.INTERNAL_HEADER] if include else [])
    tmp = exports.write_xlsx("相談", header, exports.ticket_rows(request.args, include))
    return _attachment(exports.file_chunks(tmp), XLSX_TYPE, _filename("tickets", "xlsx"))


@bp.route("/export/cases.csv")
@staff_required
def export_cases_csv():
    """Every case (all statuses), as CSV (UTF-8 with BOM), streamed."""
    exports.log_export("case", "csv", current_user)
    body = stream_with_context(exports.csv_chunks(exports.CASE_HEADER, exports.case_rows()))
    return _attachment(body, CSV_TYPE, _filename("cases", "csv"))


@bp.route("/export/cases.xlsx")
@staff_required
def export_cases_xlsx():
    """Every case (all statuses), as an Excel workbook."""
    exports.log_export("case", "xlsx", current_user)
    tmp = exports.write_xlsx("解決事例", exports.CASE_HEADER, exports.case_rows())
    return _attachment(exports.file_chunks(tmp), XLSX_TYPE, _filename("cases", "xlsx"))
