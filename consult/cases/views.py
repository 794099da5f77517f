"""Case pages for everyone: 事例をさがす, the case page, 「役に立った」, suggestions while filing."""
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from consult.core.negotiation import wants_json
from consult.errors import DomainError
from consult.paging import page_number

from . import bp, browse, helpers, service, usage
from .forms import ActionForm


@bp.route("/")
@login_required
def index():
    """Browse 事例をさがす: search box, facets, sort and paging."""
    q = (request.args.get("q") or "").strip()[:500]
    filters = {name: request.args.getlist(name) for name in browse.FILTER_PARAMS}
    filters = {k: [v for v in vs if v][:10] for k, vs in filters.items() if any(vs)}
    sort = request.args.get("sort") or ("relevance" if q else "newest")
    if sort not in browse.SORTS:
        sort = "relevance" if q else "newest"
    result = browse.search(q, filters, sort, page_number(request.args.get("page"), last=browse.MAX_PAGE), user=current_user)
    return render_template("cases/index.html", title="事例をさがす", q=q, filters=filters, sort=sort,
                           result=result, sorts=browse.SORTS, facets=browse.FACETS, params=browse.FILTER_PARAMS)


@bp.route("/<ref>")
@login_required
def show(ref):
    """One case: the whole story, effect, tools, tags, 「役に立った」 and similar cases."""
    case = service.get_case(ref, current_user)
    if request.args.get("from") == "suggest" and case.status == "published":
        usage.record_click(current_user, case, request.args.get("token"))
    usage.count_view(current_user, case)
    context = {
        "case": case,
        "similar": browse.similar(case),
        "voted": service.has_voted(case, current_user),
        "form": ActionForm(),
        "source_disposed": helpers.source_disposed(case),
    }
    if current_user.is_staff:
        context["revisions"] = service.revisions(case)
        context["findings"] = service.findings(case)
    return render_template("cases/show.html", title=case.title, **context)


@bp.route("/<ref>/helpful", methods=["POST"])
@login_required
def helpful(ref):
    """Say the case helped (once per user)."""
    case = service.get_case(ref, current_user)
    if ActionForm().validate_on_submit():
        try:
            added = service.mark_helpful(case, current_user)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash("「役に立った」を送りました。ありがとうございます。" if added else "この事例にはすでに「役に立った」を送っています。",
                  "success" if added else "info")
    else:
        abort(400)
    return redirect(url_for("cases.show", ref=case.ref) + "#helpful")


@bp.route("/suggest")
@login_required
def suggest():
    """Cases related to what is being typed in the intake form: an HTML fragment, or JSON."""
    text = (request.args.get("q") or "")[:2000]
    token = (request.args.get("token") or "")[:64]
    hits = browse.suggest(text, user=current_user)
    if wants_json():
        return jsonify(cases=[{
            "ref": h.ref, "title": h.title, "department": h.department, "snippet_html": h.snippet_html,
            "url": url_for("cases.show", ref=h.ref, **{"from": "suggest"}, **({"token": token} if token else {})),
        } for h in hits])
    return render_template("cases/_suggestions.html", hits=hits, token=token)


from . import views_edit  # noqa: E402,F401  (staff pages register on the same blueprint)
