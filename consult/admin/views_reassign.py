"""Deactivating a DX staff member who holds open tickets: show them and reassign them in one step."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from consult.auth.guards import admin_required
from consult.desk.reassign import deactivate_staff, open_tickets_of, reassignment_plan
from consult.desk.workload import assignable_staff
from consult.errors import DomainError

from . import bp, service
from .forms import ActionForm


def deactivation_redirect(user):
    """A redirect to the reassignment page when `user` holds open tickets, else None."""
    held = open_tickets_of(user)
    if not held:
        return None
    flash(f"{user.name} さんは対応中の相談を{len(held)}件担当しています。担当を付け替えてから無効にします。", "info")
    return redirect(url_for("admin.user_deactivate", user_id=user.id))


def _int(value):
    """A posted id, or None."""
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return -1


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@admin_required
def user_deactivate(user_id):
    """The person's open tickets with a suggested new 主担当/副担当; one button reassigns them all and deactivates."""
    user = service.get_user(user_id)
    plan = reassignment_plan(user)
    staff = [u for u in assignable_staff() if u.id != user.id]
    form = ActionForm()
    error, chosen, status = None, {}, 200
    if request.method == "POST":
        chosen = {row.ticket.id: (_int(request.form.get(f"main-{row.ticket.id}")),
                                  _int(request.form.get(f"backup-{row.ticket.id}"))) for row in plan}
        if not form.validate_on_submit():
            error, status = "画面の有効期限が切れました。もう一度操作してください。", 400
        else:
            try:
                moved = deactivate_staff(user, chosen, current_user._get_current_object())
            except DomainError as exc:
                error, status = exc.message, exc.status
            else:
                flash(f"{user.name} さんを無効にし、相談{moved}件の担当を付け替えました。", "success")
                return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_deactivate.html", title=f"担当の付け替えと無効化：{user.login}", user=user,
                           plan=plan, staff=staff, form=form, error=error, chosen=chosen), status
