"""The 「電話・対面で受けた相談」 page of the desk."""
import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from consult.auth.guards import staff_required
from consult.errors import DomainError
from consult.tickets import service as intake_service
from consult.tickets.attachments import ALLOWED, ALLOWED_LABEL, check_uploads, chosen_names, max_total_bytes

from . import bp
from .intake import OnBehalfForm, find_requesters, requester_by_login


def _form() -> OnBehalfForm:
    """The form with the active categories offered."""
    form = OnBehalfForm()
    form.category.choices = [("", "わからない・選ばない")] + [(str(c.id), c.name) for c in intake_service.active_categories()]
    return form


def _render(form, requester, q="", matches=None, status=200, error=None, reselect=None):
    """The page: requester search, then the intake fields."""
    return render_template(
        "desk/intake.html", title="電話・対面で受けた相談", form=form, requester=requester, q=q, matches=matches,
        error=error, reselect=reselect or [], allowed_label=ALLOWED_LABEL, accept=",".join("." + e for e in ALLOWED),
        max_mb=max_total_bytes() // (1024 * 1024),
    ), status


@bp.route("/intake", methods=["GET", "POST"])
@staff_required
def intake():
    """File a consultation received by phone, at the counter or by mail, for a named requester."""
    form = _form()
    if request.method == "GET":
        q = request.args.get("q", "")
        requester = requester_by_login(request.args.get("requester", ""))
        form.requester.data = requester.login if requester else ""
        form.intake_token.data = secrets.token_urlsafe(24)
        return _render(form, requester, q, find_requesters(q) if q and requester is None else None)
    requester = requester_by_login(form.requester.data or "")
    files = request.files.getlist(form.attachments.name)
    valid = form.validate_on_submit()
    uploads, upload_errors = check_uploads(files)
    form.attachments.errors = list(form.attachments.errors) + upload_errors
    error = None if requester is not None else "相談者を選んでください。"
    if valid and not upload_errors and requester is not None:
        from consult.tickets.views import _intake_from_form  # the requester's intake form, same fields

        try:
            ticket = intake_service.file_ticket(_intake_from_form(form), uploads, current_user,
                                                on_behalf_of=requester, channel=form.channel.data)
        except DomainError as exc:
            error = exc.message
        else:
            flash(f"{requester.name} さんの相談として受け付けました（受付番号 {ticket.number}、受付方法：{ticket.channel_label}）。", "success")
            return redirect(url_for("tickets.show", number=ticket.number))
    return _render(form, requester, status=422, error=error, reselect=chosen_names(files))
