"""POST endpoint of the bulk actions under 受付一覧."""
from urllib.parse import urlsplit

from flask import flash, redirect, request, url_for
from flask_login import current_user

from consult.auth.guards import staff_required
from consult.errors import DomainError

from . import bp
from .bulk import bulk_apply, parse_selection


def _back() -> str:
    """The queue with the filters the user had (only a local /desk/ URL is followed)."""
    target = request.form.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/desk/") and not parts.netloc and not parts.scheme and "\\" not in target:
        return target
    return url_for("desk.queue")


@bp.route("/bulk", methods=["POST"])
@staff_required
def bulk():
    """Apply one action to the selected tickets; conflicts and refusals are reported, the rest apply."""
    action = request.form.get("bulk-action", "")
    raw = request.form.get(f"bulk-{action}", "") if action in ("assign", "priority", "status") else ""
    value = raw
    if action == "assign":
        try:
            value = int(raw) if raw else None
        except ValueError:
            value = -1
    try:
        result = bulk_apply(parse_selection(request.form.getlist("ticket")), action, value, current_user)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(_back())
    if result.applied:
        flash(f"{len(result.applied)}件に適用しました（{'、'.join(result.applied)}）。", "success")
    if result.unchanged:
        flash(f"{len(result.unchanged)}件は変更がありませんでした（{'、'.join(result.unchanged)}）。", "info")
    if result.conflicts:
        flash(f"{len(result.conflicts)}件はほかの人が先に更新していたため適用しませんでした（{'、'.join(result.conflicts)}）。"
              "一覧を確認してから、もう一度操作してください。", "error")
    for number, message in result.refused:
        flash(f"{number}：{message}", "error")
    return redirect(_back())
