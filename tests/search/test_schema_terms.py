"""Schema version check, query term selection and the everyday-word stop list."""

import pytest
from whoosh import index as windex
from whoosh.fields import ID, TEXT, Schema

from consult.search import index as sindex
from consult.search import planning
from consult.search import query as squery
from consult.search.analysis import JapaneseAnalyzer


def test_old_schema_asks_for_reindex(tmp_path):
    windex.create_in(str(tmp_path), Schema(ref=ID(stored=True), body=TEXT()))
    with pytest.raises(sindex.IndexOutdatedError, match="reindex"):
        sindex.open_index(str(tmp_path))


def test_colloquial_filler_and_compound_suffixes_are_not_terms():
    terms = {t.text for t in JapaneseAnalyzer()("エクセルに入れて使っています。報告書は毎月200件",
                                                mode="query")}
    assert {"excel", "報告書", "報告"} <= terms
    assert not terms & {"入レル", "使ウ", "毎月", "200", "書", "件"}


def test_common_words_stay_within_the_postings_budget(tmp_path, monkeypatch):
    ix = sindex.open_index(str(tmp_path / "ix"))
    cases = [{"ref": f"C-{i}", "title": f"集計の自動化 {i}", "problem": "エクセルで集計",
              "cause": "", "solution": "", "effect": ""} for i in range(30)]
    cases.append({"ref": "R-1", "title": "公用車の予約", "problem": "エクセルで公用車を管理",
                  "cause": "", "solution": "", "effect": ""})
    sindex.upsert_cases(ix, cases)
    monkeypatch.setattr(planning, "POSTINGS_BUDGET", 5)
    searcher, _ = sindex.get_searcher(ix, force=True)
    terms, _ = planning.select_terms(searcher, "公用車 予約 エクセル 集計 自動化", 12)
    assert {"公用車", "予約"} <= {t for t, _, _ in terms}
    assert "集計" not in {t for t, _, _ in terms}  # in 30 cases: over the budget
    hit = squery.search(ix, "公用車 予約 エクセル 集計").hits[0]
    assert hit.ref == "R-1" and "<mark>" in hit.snippet_html  # snippet made on access


def test_the_two_most_specific_words_are_kept_not_two_parts_of_one(tmp_path, monkeypatch):
    """電子申請 gives 電子申請 and its parts 電子, 申請: they are one word, so the second
    always-kept term comes from the next word (補助金), however common."""
    ix = sindex.open_index(str(tmp_path / "ix"))
    cases = [{"ref": f"C-{i}", "title": f"補助金の交付 {i}", "problem": "補助金の審査",
              "cause": "", "solution": "", "effect": ""} for i in range(30)]
    cases += [{"ref": f"E-{i}", "title": "電子申請の導入", "problem": "補助金を電子申請で受付",
               "cause": "", "solution": "", "effect": ""} for i in range(3)]
    sindex.upsert_cases(ix, cases)
    monkeypatch.setattr(planning, "POSTINGS_BUDGET", 5)
    searcher, _ = sindex.get_searcher(ix, force=True)
    terms = {t for t, _, _ in planning.select_terms(searcher, "電子申請 補助金", 12)[0]}
    assert terms & {"補助金", "補助"}  # the second word is searched
    assert len(terms & {"電子申請", "電子", "申請"}) == 1  # one term of the first word
