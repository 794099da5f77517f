"""Soft matching (consult/search/semantic.py): a whole text written in other words finds the
case through the word vectors; keywords only re-rank what they match; archived and filtered
cases stay out; without the vectors the search behaves as before."""
import pytest

from consult.search import index as sindex
from consult.search import planning, scoring, semantic
from consult.search import query as squery
from consult.search.state import search_state

pytestmark = pytest.mark.skipif(not semantic.available(), reason="wordvec.npz not shipped")

CASES = [
    {"ref": "S-1", "department": "危機管理課", "title": "防災備蓄品の在庫を共有台帳で管理",
     "problem": "避難所の備蓄品（食料と飲料水）の数量と賞味期限を倉庫ごとに電話で確認していた",
     "solution": "共有の台帳に数量と期限を記録し、期限の近い品を一覧で確認できるようにした"},
    {"ref": "S-2", "department": "総務課", "title": "会議室の予約をオンライン化",
     "problem": "会議室の予約を電話と紙の台帳で受けていた", "solution": "予約フォームを作った"},
    {"ref": "S-3", "department": "総務課", "title": "押印を廃止して決裁を短縮",
     "problem": "起案に何人もの押印が必要で決裁に時間がかかった",
     "solution": "電子決裁に切り替え、専決区分を見直した"},
    {"ref": "S-4", "department": "財産管理課", "title": "公用車の運転日報を集計",
     "problem": "運転日報を手で集計していた", "solution": "表計算で集計表を作った"},
]
# No word of this text is in S-1 (食べ物, 飲み物, 捨てる ...); 飲み物 is near 飲料 and 飲料水.
OTHER_WORDS = "しまってある食べ物や飲み物がいくつ残っているのか分からず、気づいたら捨てることもある"


@pytest.fixture
def ix(tmp_path):
    ix = sindex.open_index(str(tmp_path / "ix"))
    sindex.upsert_cases(ix, CASES)
    return ix


def refs(ix, text, **kw):
    return [h.ref for h in squery.search(ix, text, facets=False, **kw).hits]


def indexed(ix):
    searcher, _ = sindex.get_searcher(ix)
    return lambda w: searcher.doc_frequency(planning.SEARCH_FIELD, w) > 0


def test_a_query_word_stands_for_near_indexed_words(ix):
    alts = dict(semantic.expansions("飲ミ物", indexed(ix)))
    assert "飲ミ物" not in alts  # no case has it
    assert {"飲料", "飲料水"} <= set(alts)
    assert all(semantic.SOFT_MIN_SIMILARITY <= s < 1.0 for s in alts.values())
    assert all(indexed(ix)(w) for w in alts)
    assert dict(semantic.expansions("会議室", indexed(ix)))["会議室"] == 1.0  # itself first


def test_a_whole_text_in_other_words_finds_the_case(ix):
    res = squery.search(ix, OTHER_WORDS, facets=True)
    assert [h.ref for h in res.hits] == ["S-1"]
    assert 0.0 < res.hits[0].soft <= 1.0
    # the soft-only case is counted in the total and the facets (the total also counts the
    # cases that the feedback words match, as before)
    assert res.total >= 1 and ("危機管理課", 1) in res.facets["department"]


def test_without_soft_matching_the_text_finds_nothing(ix, monkeypatch):
    monkeypatch.setattr(scoring, "SOFT_WEIGHT", 0.0)
    assert refs(ix, OTHER_WORDS) == []


def test_without_the_vectors_the_search_still_works(ix, monkeypatch, tmp_path):
    monkeypatch.setenv("CONSULT_SEARCH_WORDVEC", str(tmp_path / "missing.npz"))
    monkeypatch.setitem(search_state.resources, "semantic", {})
    assert not semantic.available()
    assert refs(ix, OTHER_WORDS) == []
    assert refs(ix, "会議室の予約")[:1] == ["S-2"]


def test_keywords_do_not_list_cases_sharing_no_word(ix, monkeypatch):
    """A few keywords are not a description: no soft score for them (and no cost)."""
    res = squery.search(ix, "食べ物 飲み物", facets=False)
    assert res.hits == [] and res.total == 0

    def boom(*args, **kwargs):
        raise AssertionError("soft score computed for keywords")

    monkeypatch.setattr(scoring, "_soft", boom)
    assert refs(ix, "会議室 予約 紙")[:1] == ["S-2"]
    with pytest.raises(AssertionError):
        refs(ix, OTHER_WORDS)


def test_typed_words_stay_ahead_of_soft_matches(ix):
    text = "会議室の予約を取るのに毎回電話でやりとりしていて、空いているかどうか分からず手間がかかる"
    got = squery.search(ix, text, facets=False).hits
    assert got[0].ref == "S-2"
    assert all(h.soft <= got[0].soft or h.score < got[0].score for h in got[1:])


def test_filters_and_archived_cases_stay_out(ix):
    assert refs(ix, OTHER_WORDS, filters={"department": "総務課"}) == []
    assert refs(ix, OTHER_WORDS, filters={"department": "危機管理課"}) == ["S-1"]
    sindex.delete_cases(ix, ["S-1"])
    sindex.get_searcher(ix, force=True)
    assert "S-1" not in refs(ix, OTHER_WORDS)


def test_soft_scores_weigh_words_and_take_the_best_similarity():
    bits = {"a": 0b011, "b": 0b100, "c": 0b001}
    score = semantic.soft_scores([(3.0, [("a", 0.5), ("c", 0.9)]), (1.0, [("b", 1.0)])],
                                 bits.get, 3)
    assert score.tolist() == pytest.approx([0.75 * 0.9, 0.75 * 0.5, 0.25])
    assert semantic.soft_scores([(1.0, [("x", 1.0)])], lambda w: 0, 3) is None


def test_pages_hold_limit_hits_and_do_not_repeat(tmp_path):
    ix = sindex.open_index(str(tmp_path / "pages"))
    sindex.upsert_cases(ix, [{"ref": f"P-{i}", "title": f"会議室の予約 その{i}",
                              "problem": "会議室の予約を電話で受けていた"} for i in range(25)])
    for text in ("会議室", "会議室の予約を電話で受けていて手間がかかり、空き状況も分からず困っている"):
        pages = [refs(ix, text, limit=10, page=p) for p in (1, 2, 3)]
        assert [len(p) for p in pages] == [10, 10, 5]
        assert len(set(sum(pages, []))) == 25


def test_suggestions_do_not_use_the_soft_score(ix, monkeypatch):
    """suggest() keeps its thresholds on the BM25 ranking (the soft score does not separate a
    paraphrase's case from an off-topic text's best one)."""
    text = "会議室の予約を取るのに毎回電話でやりとりしていて、空いているかどうか分からず手間がかかる"

    def boom(*args, **kwargs):
        raise AssertionError("soft score computed for a suggestion")

    monkeypatch.setattr(scoring, "_soft", boom)
    assert [h.ref for h in squery.suggest(ix, text)] == ["S-2"]
    with pytest.raises(AssertionError):
        squery.search(ix, text, facets=False)
