"""Template filters and globals: Markdown, Japanese dates (和暦 optional), navigation by role."""
from flask import Flask, request, session, url_for
from flask_login import current_user

from models import PRIORITY_LABELS, STATUS_LABELS, URGENCY_LABELS


def _wareki() -> bool:
    """Whether the user chose to see dates in 和暦."""
    return bool(session.get("wareki"))


def navigation() -> list[tuple[str, str]]:
    """(label, endpoint) pairs of the main navigation for the current user's role."""
    if not current_user.is_authenticated:
        return []
    items = []
    if current_user.role == "requester":
        items += [("相談する", "tickets.new"), ("自分の相談", "tickets.mine")]
    if current_user.is_staff:
        items += [("受付一覧", "desk.queue"), ("担当状況", "desk.workload")]
    items.append(("事例をさがす", "cases.index"))
    if current_user.is_staff:
        items += [("事例の管理", "cases.manage"), ("実績", "reports.dashboard"), ("公文書", "records.due")]
    if current_user.is_admin:
        items.append(("管理", "admin.index"))
    return items


def url_with_query(endpoint: str, args: dict, **values) -> str:
    """url_for(endpoint, **values) plus `args` as the query string — user-supplied keys never reach url_for
    (where `_anchor`, `_method`, `_scheme`, `_external` or a view argument's name would change or break the URL)."""
    from urllib.parse import urlencode

    base = url_for(endpoint, **values)
    query = urlencode([(k, v) for k, vs in args.items() for v in (vs if isinstance(vs, list) else [vs])])
    return f"{base}?{query}" if query else base


def page_url(page: int) -> str:
    """The current URL with another page number, keeping every filter."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_with_query(request.endpoint, args, **(request.view_args or {}))


def init_app(app: Flask) -> None:
    """Register filters and globals used by every template."""
    from consult.jdates import format_date, format_datetime
    from consult.markup import render_markdown

    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(lambda d: format_date(d, wareki=_wareki()) if d else "", "jdate")
    app.add_template_filter(lambda dt: format_datetime(dt, wareki=_wareki()) if dt else "", "jdatetime")
    app.jinja_env.globals.update(
        navigation=navigation,
        page_url=page_url,
        url_with_query=url_with_query,
        STATUS_LABELS=STATUS_LABELS,
        PRIORITY_LABELS=PRIORITY_LABELS,
        URGENCY_LABELS=URGENCY_LABELS,
    )
    app.jinja_env.globals["wareki_enabled"] = _wareki
