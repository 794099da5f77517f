"""Template helpers of the knowledge base (registered app-wide so other areas can include the partials)."""
from flask import current_app, request

from consult.core.templating import url_with_query

from . import browse, service

CASEABLE_STATUSES = ("resolved", "closed")


def facet_url(param: str, value: str | None = None) -> str:
    """The current search URL with `value` toggled in facet `param` (None clears it); page reset."""
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    values = [v for v in args.get(param, []) if v]
    if value is None:
        values = []
    elif value in values:
        values.remove(value)
    else:
        values.append(value)
    args[param] = values
    return url_with_query("cases.index", {k: v for k, v in args.items() if v})


def source_disposed(case) -> str:
    """「保存期間満了により廃棄済み」 when the ticket the case was drafted from has been disposed of, else ''."""
    if case is None or not case.source_ticket_id:
        return ""
    from consult.records.disposal import DISPOSED_LABEL, tombstone

    return DISPOSED_LABEL if tombstone(case.source_ticket_id) is not None else ""


def ticket_sections(ticket, user) -> dict:
    """What the staff ticket page shows of the knowledge base: the case drafted from the ticket (or whether one may be
    drafted now) and the published cases close to its text."""
    existing = service.case_for_ticket(ticket)
    return {
        "case_existing": existing,
        "case_allowed": existing is None and can_make_case(ticket, user),
        "case_hits": suggestions_for_ticket(ticket),
    }


def can_make_case(ticket, user) -> bool:
    """Whether `user` may draft a case from this ticket now."""
    return (user.is_authenticated and user.is_staff and ticket.status in CASEABLE_STATUSES
            and ticket.resolution_type != service.NOT_CASEABLE)


def suggestions_for_ticket(ticket, limit: int = 5) -> list:
    """Published cases close to a ticket's whole text (not logged: it is not a search).

    The same fields as the intake form's suggestions (title, purpose, current way, trouble):
    suggest() weighs a long text by its most specific words, so the generic sentences of a
    purpose do not dilute it."""
    text = "\n".join(filter(None, [ticket.title, ticket.purpose, ticket.current_process, ticket.problem]))
    short = "\n".join(filter(None, [ticket.title, ticket.problem]))
    try:
        # On a very small collection the idf of the few words it knows is tiny and a long text
        # is mostly unknown words: title + trouble alone are asked as well.
        return (browse.suggest(text, limit=limit, log=False, staff=True)
                or browse.suggest(short, limit=limit, log=False, staff=True))
    except Exception:  # the ticket page must open even when the index is unavailable
        current_app.logger.exception("case suggestions for ticket %s failed", ticket.number)
        return []


def init_app(state) -> None:
    """Register the helpers as Jinja globals when the blueprint is registered."""
    state.app.jinja_env.globals.update(cases_facet_url=facet_url)
