"""検索語の辞書 (synonym groups in the database) and 見つからなかった検索語, for DX staff."""
import pytest
from sqlalchemy import select

from consult.cases import vocabulary
from consult.search import query, sync
from models import AuditEvent, SearchLog, SynonymGroup, db, utcnow
from tests.factories import make_case


@pytest.fixture(autouse=True)
def _forget_vocabulary():
    """The loaded groups are per process: start and end each test without them."""
    query.set_vocabulary([], None)
    yield
    query.set_vocabulary([], None)


def _publish(ref, title, problem):
    make_case(ref=ref, title=title, problem=problem, tags=[], tools=[])
    sync.enqueue(ref)
    db.session.commit()
    sync.drain()


def _refs(client, q):
    page = client.get("/cases/", query_string={"q": q}).get_data(as_text=True)
    return page


def test_a_group_added_by_staff_finds_cases_at_once_and_is_audited(client, auth, users):
    """庁用車 is in no case; after staff add 公用車、庁用車 the search finds the 公用車 case
    (no reindex, no restart); switching the group off takes it away again; both audited."""
    _publish("VC-1", "公用車の予約を共有カレンダーで管理", "公用車の予約を紙の台帳で受けていて、重複予約が起きていた")
    _publish("VC-2", "会議室の予約をオンライン化", "会議室の予約を電話で受けていた")
    auth.login("dx")
    assert 'href="/cases/VC-1"' not in _refs(client, "庁用車")
    r = client.post("/admin/search-terms", data={"words": "公用車、庁用車", "note": "古い言い方"})
    assert r.status_code == 302
    group = db.session.scalar(select(SynonymGroup))
    assert group.words == "公用車、庁用車" and group.active and group.created_by_id == users["dx_staff"].id
    page = _refs(client, "庁用車")
    assert 'href="/cases/VC-1"' in page and 'href="/cases/VC-2"' not in page
    r = client.post(f"/admin/search-terms/{group.id}/active", data={"active": "0"})
    assert r.status_code == 302
    assert 'href="/cases/VC-1"' not in _refs(client, "庁用車")
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "synonym_group")).all()
    assert sorted(actions) == ["synonym_group.create", "synonym_group.disable"]
    assert db.session.get(SynonymGroup, group.id) is not None  # switched off, not deleted


def test_another_worker_sees_the_change_through_the_version(client, auth, users):
    """A worker that loaded the vocabulary earlier reloads it when the table changed (the version
    check each search makes), without a restart."""
    _publish("VC-1", "公用車の予約を共有カレンダーで管理", "公用車の予約を紙の台帳で受けていた")
    vocabulary.refresh()
    before = query.vocabulary_version()
    # another worker writes the table directly
    db.session.add(SynonymGroup(words="公用車、庁用車", note="", active=True, created_at=utcnow(), updated_at=utcnow()))
    db.session.commit()
    auth.login("dx")
    assert 'href="/cases/VC-1"' in _refs(client, "庁用車")
    assert query.vocabulary_version() != before


def test_bad_groups_come_back_with_a_message(client, auth, users):
    auth.login("dx")
    for words, message in (("公用車", "2つ以上"), ("公用車、車", "1文字の言葉"), ("", "言葉を入力してください"),
                           ("あ" * 41 + "、公用車", "40文字を超える")):
        r = client.post("/admin/search-terms", data={"words": words, "note": "メモ"})
        page = r.get_data(as_text=True)
        assert r.status_code == 422 and message in page, words
        assert "メモ" in page
    assert db.session.scalar(select(SynonymGroup)) is None


def test_requesters_cannot_reach_the_pages(client, auth, users):
    auth.login("req")
    assert client.get("/admin/search-terms").status_code == 403
    assert client.get("/admin/missed-searches").status_code == 403
    assert client.post("/admin/search-terms", data={"words": "a、b"}).status_code == 403


def test_missed_searches_lists_searches_without_result_with_counts_and_dates(client, auth, users):
    """Searches and intake texts that found nothing, grouped, most frequent first; found ones
    are not listed; the row links to the dictionary and to a case draft."""
    _publish("VC-1", "公用車の予約を共有カレンダーで管理", "公用車の予約を紙の台帳で受けていた")
    auth.login("req")
    for _ in range(3):
        client.get("/cases/", query_string={"q": "青焼きの古図"})
    client.get("/cases/", query_string={"q": "公用車"})
    client.get("/cases/suggest", query_string={"q": "ふるさと納税の返礼品の選び方について相談したい"})
    auth.logout()
    auth.login("dx")
    page = client.get("/admin/missed-searches").get_data(as_text=True)
    assert "青焼きの古図" in page and "ふるさと納税の返礼品" in page
    assert ">公用車<" not in page
    assert page.index("青焼きの古図") < page.index("ふるさと納税の返礼品")
    assert "<td>3</td>" in page
    assert "/admin/search-terms?words=" in page and "/cases/new?title=" in page
    rows = vocabulary.missed()
    assert rows[0]["query"] == "青焼きの古図" and rows[0]["count"] == 3
    assert db.session.scalar(select(SearchLog).where(SearchLog.query == "公用車")).result_count > 0
    # the dictionary form comes prefilled from the link
    page = client.get("/admin/search-terms", query_string={"words": "青焼きの古図、"}).get_data(as_text=True)
    assert "青焼きの古図、" in page
    page = client.get("/cases/new", query_string={"title": "青焼きの古図"}).get_data(as_text=True)
    assert 'value="青焼きの古図"' in page
