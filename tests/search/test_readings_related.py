"""Kana queries, mis-conversions and related words (word vectors): found, and ranked below
cases that contain the words as typed."""
import pytest

from consult.search import index as sindex
from consult.search import planning, vectors
from consult.search import query as squery

CASES = [
    {"ref": "R-1", "title": "出張の旅費精算をシステムに一本化", "problem": "出張のたびに旅費の精算書を紙で回していた",
     "solution": "旅費システムで申請から精算まで行うようにした"},
    {"ref": "R-2", "title": "電子決裁の差し戻しを減らす", "problem": "起案の書き方がそろわず差し戻しが多かった",
     "solution": "電子決裁の起案テンプレートを作った"},
    {"ref": "R-3", "title": "通勤の交通費の確認を簡単に", "problem": "交通費の経路を一件ずつ地図で確かめていた",
     "solution": "経路検索の結果を添付してもらうようにした"},
    {"ref": "R-4", "title": "会議室の予約をオンライン化", "problem": "会議室の予約を電話で受けていた",
     "solution": "予約フォームを作った"},
]


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    ix = sindex.open_index(str(tmp_path_factory.mktemp("readings") / "ix"))
    sindex.upsert_cases(ix, CASES)
    return ix


def refs(ix, text):
    return [h.ref for h in squery.search(ix, text, facets=False).hits]


@pytest.mark.parametrize(("text", "ref"), [("でんしけっさい", "R-2"), ("りょひ", "R-1"), ("でんし決済", "R-2")])
def test_kana_queries_meet_the_kanji_words_through_their_readings(ix, text, ref):
    assert refs(ix, text)[:1] == [ref]


def test_a_mis_conversion_finds_the_case(ix):
    """清算 is in no case: the cases with 精算 (same reading) are found."""
    assert refs(ix, "清算")[:1] == ["R-1"]
    assert refs(ix, "精算")[:1] == ["R-1"]


def test_reading_words_weigh_less_than_typed_words(ix):
    searcher, cache = sindex.get_searcher(ix)
    read = {t: b for t, _, b in planning.make_plan(searcher, "りょひ", squery.MAX_TERMS, cache).terms}
    typed = {t: b for t, _, b in planning.make_plan(searcher, "旅費", squery.MAX_TERMS, cache).terms}
    assert read["旅費"] == planning.READING_FACTOR < typed["旅費"] == 1.0


@pytest.mark.skipif(not vectors.available(), reason="related.npz not shipped")
def test_related_words_find_cases_ranked_below_the_typed_word(ix):
    """旅費 and 交通費 share a row of the vectors: the 交通費 case is found for 旅費, below the
    cases that contain 旅費 itself; a query for 会議室 does not bring in the travel cases."""
    assert ("交通費", 1.0) in vectors.related("旅費")
    got = refs(ix, "旅費")
    assert got[0] == "R-1" and "R-3" in got
    assert "R-1" not in refs(ix, "会議室")
    searcher, cache = sindex.get_searcher(ix)
    plan = planning.make_plan(searcher, "旅費", squery.MAX_TERMS, cache)
    boosts = {t: b for t, _, b in plan.terms}
    assert boosts["旅費"] == 1.0 and 0 < boosts["交通費"] <= planning.VECTOR_FACTOR
