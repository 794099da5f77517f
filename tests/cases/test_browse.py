"""事例をさがす, the case page, 「役に立った」, view counts and suggestions while filing."""
import re

from sqlalchemy import func, select

from models import Case, SearchLog, SuggestionClick, db
from tests import factories


def refs_in(page: str) -> list[str]:
    """Case refs linked from a page, in order."""
    return re.findall(r'href="/cases/(TC-\d+)"', page)


def test_browse_requires_login(client):
    assert client.get("/cases/").status_code == 302
    assert client.get("/cases/suggest?q=Excel").status_code == 302


def test_browse_without_query_lists_newest_with_facets(client, auth, users, imported):
    auth.login("req")
    page = client.get("/cases/").get_data(as_text=True)
    assert "（10件）" in page
    assert "集計・データ処理" in page and "（3）" in page  # category facet with counts
    assert "ツール導入" in page
    assert len(refs_in(page)) == 10


def test_search_filters_sort_and_logs(client, auth, users, imported):
    auth.login("req")
    page = client.get("/cases/?q=Excel").get_data(as_text=True)
    found = refs_in(page)
    assert "TC-001" in found and "TC-002" not in found
    assert "<mark>" in page
    log = db.session.scalar(select(SearchLog).where(SearchLog.source == "browse"))
    assert log.query == "Excel" and log.result_count == len(set(found))
    page = client.get("/cases/?q=Excel&resolution_type=業務改善").get_data(as_text=True)
    # The cases that mention Excel come first; same-theme cases found by title feedback may follow.
    filtered = refs_in(page)
    assert set(filtered[:2]) == {"TC-008", "TC-010"} and "TC-001" not in filtered
    kinds = dict(db.session.execute(select(Case.ref, Case.resolution_type)).all())
    assert {kinds[ref] for ref in filtered} == {"業務改善"}
    page = client.get("/cases/?sort=hours").get_data(as_text=True)
    assert refs_in(page)[:2] == ["TC-005", "TC-004"]
    page = client.get("/cases/?dept=本庁 総務部").get_data(as_text=True)
    assert set(refs_in(page)) == {"TC-001", "TC-007", "TC-009"}


def test_paging(client, auth, users, imported):
    auth.login("req")
    first = refs_in(client.get("/cases/?sort=newest").get_data(as_text=True))
    assert len(first) == 10
    for n in range(11, 14):
        factories.make_case(ref=f"TC-0{n}", title=f"追加の事例{n}", status="draft")
    # Publish through the service so they are indexed.
    from consult.cases import service

    for case in db.session.scalars(select(Case).where(Case.status == "draft")).all():
        service.publish(case, users["dx_staff"])
    page1 = client.get("/cases/").get_data(as_text=True)
    page2 = client.get("/cases/?page=2").get_data(as_text=True)
    assert "1 / 2 ページ（全13件）" in page1
    assert len(refs_in(page1)) == 10 and len(refs_in(page2)) == 3
    assert client.get("/cases/?page=abc").status_code == 200


def test_no_results_gives_next_steps(client, auth, users, imported):
    auth.login("req")
    page = client.get("/cases/?q=量子コンピュータ宇宙開発").get_data(as_text=True)
    assert "見つかりませんでした" in page and "相談する" in page


def test_helpful_once_per_user(client, auth, users, imported):
    auth.login("req")
    for _ in range(2):
        assert client.post("/cases/TC-003/helpful").status_code == 302
    auth.logout()
    auth.login("req_other")
    client.post("/cases/TC-003/helpful")
    db.session.expire_all()
    assert db.session.scalar(select(Case.helpful_count).where(Case.ref == "TC-003")) == 2
    page = client.get("/cases/?sort=helpful").get_data(as_text=True)
    assert refs_in(page)[0] == "TC-003"


def test_view_count_once_per_session(client, auth, users, imported):
    auth.login("req")
    for _ in range(3):
        page = client.get("/cases/TC-002")
        assert page.status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(Case.view_count).where(Case.ref == "TC-002")) == 1
    assert "会議録" in page.get_data(as_text=True)


def test_case_page_shows_similar_cases(client, auth, users, imported):
    auth.login("req")
    page = client.get("/cases/TC-008").get_data(as_text=True)
    assert "似ている事例" in page
    assert "TC-008" not in refs_in(page.split("似ている事例")[1])


def test_suggestions_return_a_related_case(client, auth, users, imported):
    auth.login("req")
    response = client.get("/cases/suggest", query_string={"q": "出張の旅費精算の計算に毎回時間がかかる", "token": "tok-1"})
    html = response.get_data(as_text=True)
    assert "TC-001" in html and "from=suggest" in html and "token=tok-1" in html
    response = client.get("/cases/suggest", query_string={"q": "旅費の精算"}, headers={"Accept": "application/json"})
    assert response.json["cases"][0]["ref"] == "TC-001"
    assert db.session.scalar(select(func.count()).select_from(SearchLog).where(SearchLog.source == "suggest")) == 2


def test_suggestions_empty_for_off_topic_text(client, auth, users, imported):
    auth.login("req")
    response = client.get("/cases/suggest", query_string={"q": "来週の懇親会の店を予約したい"})
    assert response.status_code == 200 and response.get_data(as_text=True).strip() == ""
    response = client.get("/cases/suggest", query_string={"q": "来週の懇親会の店を予約したい"},
                          headers={"Accept": "application/json"})
    assert response.json == {"cases": []}


def test_suggestion_click_is_recorded(client, auth, users, imported):
    from .test_usage_forgery import _issued_token

    auth.login("req")
    token = _issued_token(client)  # only tokens the intake form issued count (tests/cases/test_usage_forgery.py)
    client.get(f"/cases/TC-001?from=suggest&token={token}")
    click = db.session.scalar(select(SuggestionClick))
    assert click.intake_token == token and click.user_id == users["requester"].id


def test_ticket_partials_render(app, users, imported):
    from flask import render_template_string
    from flask_login import login_user

    from consult.cases.helpers import ticket_sections

    ticket = factories.make_ticket(requester=users["requester"], status="resolved", title="旅費の精算の計算",
                                   problem="出張旅費の精算の計算に時間がかかる", resolution_type="ツール導入")
    with app.test_request_context("/"):
        login_user(users["dx_staff"])
        html = render_template_string('{% include "cases/_suggestions_for_ticket.html" %}'
                                      '{% include "cases/_from_ticket_button.html" %}', ticket=ticket,
                                      **ticket_sections(ticket, users["dx_staff"]))
    assert "TC-001" in html and "この相談を事例にする" in html


def _whoosh_order(sort_field: str, filters: dict | None = None) -> list[str]:
    """Refs in the order of Whoosh's own sorted search over every case (the order before the
    browse page read it from cached bitmaps)."""
    from whoosh import query as wq
    from whoosh import sorting

    from consult.search import index, sync

    searcher, _ = index.get_searcher(sync.get_index(), force=True)
    flt = wq.And([wq.Term(k, v) for k, v in filters.items()]) if filters else None
    hits = searcher.search(wq.Every(), sortedby=sorting.FieldFacet(sort_field, reverse=True), limit=None, filter=flt)
    return [h["ref"] for h in hits]


def test_browse_without_query_keeps_whoosh_order_and_counts(client, auth, users, imported):
    """Without a query the page comes from bitmaps and a cached order: same cases, same order
    (ties by index order), same counts as a Whoosh sorted search, on both pages."""
    from consult.cases import service

    for n in range(11, 14):
        factories.make_case(ref=f"TC-0{n}", title=f"追加の事例{n}", status="draft")
    for case in db.session.scalars(select(Case).where(Case.status == "draft")).all():
        service.publish(case, users["dx_staff"])
    auth.login("req")
    for sort, field in (("newest", "published_at"), ("helpful", "helpful_count"), ("hours", "hours_saved")):
        expected = _whoosh_order(field)
        page1 = client.get(f"/cases/?sort={sort}").get_data(as_text=True)
        page2 = client.get(f"/cases/?sort={sort}&page=2").get_data(as_text=True)
        assert refs_in(page1) + refs_in(page2) == expected and "（13件）" in page1
    expected = _whoosh_order("published_at", {"resolution_type": "業務改善"})
    page = client.get("/cases/?resolution_type=業務改善").get_data(as_text=True)
    assert refs_in(page) == expected and f"（{len(expected)}件）" in page
    assert f"業務改善</a> <span class=\"muted\">（{len(expected)}）" in page
