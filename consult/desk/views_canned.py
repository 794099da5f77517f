"""定型文: the management page, and the case-link finder used under the reply box."""
from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from consult.auth.guards import staff_required
from consult.core.negotiation import wants_json
from consult.errors import DomainError

from . import bp
from .canned import PLACEHOLDERS, all_replies, case_link, find_cases, get_reply, save_reply


def _page(edit=None, form=None, error=None, status=200):
    """The list of templates with the add/edit form."""
    return render_template("desk/canned.html", title="定型文", replies=all_replies(), edit=edit, form=form or {},
                           error=error, placeholders=list(PLACEHOLDERS)), status


@bp.route("/canned", methods=["GET", "POST"])
@staff_required
def canned():
    """List, add and change the shared reply templates."""
    edit = get_reply(request.values.get("id", type=int)) if request.values.get("id") else None
    if request.method == "GET":
        form = {"title": edit.title, "body": edit.body, "active": edit.active} if edit else {"active": True}
        return _page(edit, form)
    form = {"title": request.form.get("title", ""), "body": request.form.get("body", ""),
            "active": request.form.get("active") == "1" or edit is None}
    try:
        reply = save_reply(edit, form["title"], form["body"], form["active"], current_user)
    except DomainError as exc:
        return _page(edit, form, exc.message, 422)
    flash(f"定型文「{reply.title}」を保存しました。", "success")
    return redirect(url_for("desk.canned"))


@bp.route("/canned/case-links")
@staff_required
def case_links():
    """Published cases for a ref or words, with the Markdown link to insert (JSON for the page's script)."""
    cases = find_cases(request.args.get("q", ""), current_user)
    items = [{"ref": c.ref, "title": c.title, "markdown": case_link(c)} for c in cases]
    if wants_json():
        return jsonify(cases=items)
    return render_template("desk/case_links.html", title="事例へのリンク", items=items, q=request.args.get("q", ""))
