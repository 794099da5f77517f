"""受付一覧: filters, keyword, sort, paging, counts per status and the default order."""
from datetime import date, datetime, timedelta

import pytest
from werkzeug.datastructures import MultiDict

from consult.desk.queries import paginate, parse_filters, queue_select, status_counts
from models import db
from tests import factories

FUTURE = dict(first_response_due=date(2099, 1, 5), resolution_due=date(2099, 2, 1))


def _numbers(params_args: dict) -> list[str]:
    """Ticket numbers the queue returns for these query-string arguments."""
    params = parse_filters(MultiDict(params_args))
    return [t.number for t in db.session.scalars(queue_select(params)).unique()]


def test_default_view_open_tickets_new_then_overdue_then_due(app, users):
    """No parameters: open tickets only; new first, then overdue, then by due date."""
    req = users["requester"]
    late = factories.make_ticket(req, status="in_progress", first_response_due=date(2020, 1, 6),
                                 resolution_due=date(2020, 2, 3), title="期限超過")
    soon = factories.make_ticket(req, status="triaged", first_response_due=date(2098, 1, 5),
                                 resolution_due=date(2098, 1, 20), title="もうすぐ")
    later = factories.make_ticket(req, status="waiting", **FUTURE, title="まだ先")
    new = factories.make_ticket(req, status="new", **FUTURE, title="新規")
    factories.make_ticket(req, status="closed", **FUTURE, title="完了済み")
    assert _numbers({}) == [new.number, late.number, soon.number, later.number]


def test_status_filter_multi_and_all(app, users):
    """status can repeat; f=1 with no status means every status."""
    req = users["requester"]
    a = factories.make_ticket(req, status="new")
    b = factories.make_ticket(req, status="closed")
    c = factories.make_ticket(req, status="withdrawn")
    assert set(_numbers({"status": ["closed", "withdrawn"]})) == {b.number, c.number}
    assert set(_numbers({"f": "1"})) == {a.number, b.number, c.number}
    assert set(_numbers({"status": "bogus"})) == {a.number, b.number, c.number}  # unknown dropped


def test_filters(app, users):
    """category, department (部局 includes its 課), handler (main or backup), unassigned, urgency, personal info."""
    top = factories.make_department(name="総務部")
    sub = factories.make_department(name="総務課", parent=top)
    req_sub = factories.make_user("req_sub", department=sub)
    cat = factories.make_category("集計・データ処理")
    dx, dx2 = users["dx_staff"], users["dx_staff2"]
    t1 = factories.make_ticket(req_sub, category=cat, main_handler=dx, urgency="high")
    t2 = factories.make_ticket(users["requester"], backup_handler=dx, main_handler=dx2, contains_personal_info=True)
    t3 = factories.make_ticket(users["other"])
    assert _numbers({"category": str(cat.id)}) == [t1.number]
    assert set(_numbers({"category": "none"})) == {t2.number, t3.number}
    assert _numbers({"department": str(top.id)}) == [t1.number]
    assert _numbers({"department": str(sub.id)}) == [t1.number]
    assert set(_numbers({"handler": str(dx.id)})) == {t1.number, t2.number}
    assert _numbers({"unassigned": "1"}) == [t3.number]
    assert _numbers({"urgency": "high"}) == [t1.number]
    assert _numbers({"personal": "1"}) == [t2.number]
    assert set(_numbers({"personal": "0"})) == {t1.number, t3.number}


def test_overdue_filter(app, users):
    """overdue=1 keeps only the late open tickets."""
    late = factories.make_ticket(users["requester"], first_response_due=date(2020, 1, 6), resolution_due=date(2020, 2, 3))
    factories.make_ticket(users["requester"], **FUTURE)
    assert _numbers({"overdue": "1"}) == [late.number]


def test_keyword_searches_number_title_purpose_problem_literally(app, users):
    """Every word must match one of number/title/purpose/problem; % and _ are literal."""
    req = users["requester"]
    a = factories.make_ticket(req, title="押印の廃止", problem="紙の申請が多い")
    b = factories.make_ticket(req, title="RPAで転記", purpose="100%の自動化")
    assert _numbers({"q": "押印"}) == [a.number]
    assert _numbers({"q": "紙の申請 押印"}) == [a.number]
    assert _numbers({"q": "100%"}) == [b.number]
    assert _numbers({"q": "%"}) == [b.number]
    assert _numbers({"q": "_"}) == []
    assert _numbers({"q": b.number}) == [b.number]


def test_sorts(app, users):
    """created / created_asc / updated / due / priority."""
    req = users["requester"]
    now = datetime(2026, 4, 1, 0, 0)
    t1 = factories.make_ticket(req, created_at=now, updated_at=now + timedelta(days=5), priority="low",
                               resolution_due=date(2026, 6, 1))
    t2 = factories.make_ticket(req, created_at=now + timedelta(days=1), updated_at=now + timedelta(days=1),
                               priority="urgent", resolution_due=None)
    t3 = factories.make_ticket(req, created_at=now + timedelta(days=2), updated_at=now + timedelta(days=2),
                               priority="high", resolution_due=date(2026, 5, 1))
    assert _numbers({"sort": "created"}) == [t3.number, t2.number, t1.number]
    assert _numbers({"sort": "created_asc"}) == [t1.number, t2.number, t3.number]
    assert _numbers({"sort": "updated"}) == [t1.number, t3.number, t2.number]
    assert _numbers({"sort": "due"}) == [t3.number, t1.number, t2.number]
    assert _numbers({"sort": "priority"}) == [t2.number, t3.number, t1.number]


def test_counts_per_status_ignore_status_filter(app, users):
    """Counts follow the other filters but not the status filter."""
    req, other = users["requester"], users["other"]
    for status in ("new", "new", "triaged", "closed"):
        factories.make_ticket(req, status=status)
    factories.make_ticket(other, status="new")
    params = parse_filters(MultiDict({"status": "closed", "department": str(req.department_id)}))
    counts = status_counts(params)
    assert counts["new"] == 2 and counts["triaged"] == 1 and counts["closed"] == 1 and counts["waiting"] == 0


def test_paginate_clamps_bad_pages(app, users):
    """Bad, negative and huge page numbers give the first or last page, never an error."""
    for _ in range(5):
        factories.make_ticket(users["requester"])
    stmt = queue_select(parse_filters({}))
    assert paginate(stmt, "2", per_page=2).page == 2
    assert paginate(stmt, "-3", per_page=2).page == 1
    assert paginate(stmt, "abc", per_page=2).page == 1
    last = paginate(stmt, str(10**40), per_page=2)
    assert (last.page, last.pages, last.total, len(last.items)) == (3, 3, 5, 1)


@pytest.mark.parametrize("query", ["?page=-1", "?page=99999999999999999999", "?page=x", "?category=abc&department=-5",
                                   "?sort=evil&status=open&status=zzz", "?q=" + "あ" * 5000, "?handler=1e9&personal=2"])
def test_queue_page_never_500(app, dx, query):
    """Odd query strings still give the page."""
    factories.make_ticket(factories.make_user("req9"))
    response = dx.get("/desk/" + query)
    assert response.status_code == 200


def test_queue_page_content(app, dx, users):
    """The page lists tickets, marks overdue in text, shows counts and keeps filters in the form."""
    late = factories.make_ticket(users["requester"], status="triaged", title="遅れている相談",
                                 first_response_due=date(2020, 1, 6), resolution_due=date(2020, 2, 3))
    html = dx.get("/desk/?q=遅れ&f=1").get_data(as_text=True)
    assert late.number in html and "期限超過" in html
    assert 'value="遅れ"' in html
    assert "受付</span> <span class=\"desk-count\">1件" in html
    html = dx.get("/desk/").get_data(as_text=True)
    assert "<caption>相談の一覧（全1件）</caption>" in html


def test_queue_query_count_is_constant(dx, users, count_queries):
    """No N+1: listing 3 or 20 tickets costs the same number of queries."""

    def statements_for(n_tickets):
        for _ in range(n_tickets):
            factories.make_ticket(factories.make_user(department=users["requester"].department),
                                  main_handler=users["dx_staff"], backup_handler=users["dx_staff2"],
                                  category=factories.make_category())
        with count_queries() as counter:
            assert dx.get("/desk/").status_code == 200
        return counter.count

    few = statements_for(3)
    many = statements_for(17)
    assert many == few
