"""Document feedback (consult/search/scoring.py, NEIGHBOUR_*): the nearest cases of the best
case, by the BM25 search of its title, get a bonus, so a case on the same theme written in
other words comes up below the direct match; kept per searcher, within a budget of postings."""
import pytest

from consult.search import index as sindex
from consult.search import query as squery
from consult.search import scoring

CASES = [
    {"ref": "N-1", "department": "会計課", "title": "旅費の精算をワークフローで電子化",
     "problem": "出張の旅費精算を紙で回していた", "solution": "申請と承認をワークフローにした"},
    # Same theme (旅費精算) in other words: of the queries below it shares 旅費 at most.
    {"ref": "N-2", "department": "会計課", "title": "旅費精算の領収書をスキャンで提出",
     "problem": "領収書の原本を郵送で集めていた", "solution": "スマートフォンで撮影して添付した"},
    {"ref": "N-3", "department": "人事課", "title": "出張の届を様式で提出",
     "problem": "出張の届の様式が課ごとに違っていた", "solution": "様式を一つにした"},
    {"ref": "N-4", "department": "総務課", "title": "会議室の予約をオンライン化",
     "problem": "会議室の予約を紙で受けていた", "solution": "予約フォームを作った"},
    {"ref": "N-5", "department": "施設課", "title": "公用車の予約を共有カレンダーで",
     "problem": "公用車の予約が電話だった", "solution": "共有カレンダーにした"},
]


@pytest.fixture()
def ix(tmp_path):
    ix = sindex.open_index(str(tmp_path / "ix"))
    sindex.upsert_cases(ix, CASES)
    return ix


def _refs(ix, text, **kw):
    return [h.ref for h in squery.search(ix, text, facets=False, **kw).hits]


def test_nearest_cases_come_from_the_title_and_are_kept_per_searcher(ix):
    searcher, cache = sindex.get_searcher(ix)
    first = searcher.document_number(ref="N-1")
    near = scoring._neighbours(searcher, cache, first)
    refs = [searcher.stored_fields(d)["ref"] for d, _ in near]
    assert refs and refs[0] == "N-2" and "N-1" not in refs
    assert near[0][1] == 1.0 and all(0 < s <= 1.0 for _, s in near)
    assert scoring._neighbours(searcher, cache, first) is near  # memo of the searcher


def test_the_best_case_lifts_its_neighbour_above_a_case_sharing_a_common_word(ix, monkeypatch):
    text = "旅費 ワークフロー 出張"
    monkeypatch.setattr(scoring, "NEIGHBOUR_WEIGHT", 0.0)
    without = _refs(ix, text)
    sindex.get_searcher(ix)[1].pop("search", None)
    monkeypatch.setattr(scoring, "NEIGHBOUR_WEIGHT", 0.3)
    with_ = _refs(ix, text)
    assert without == ["N-1", "N-3", "N-2"]  # N-3 shares 出張, N-2 only the rarer 旅費
    assert with_ == ["N-1", "N-2", "N-3"]


def test_a_neighbour_sharing_no_word_with_keywords_is_not_listed(ix, monkeypatch):
    monkeypatch.setattr(scoring, "NEIGHBOUR_WEIGHT", 1.0)
    assert "N-2" not in _refs(ix, "ワークフロー")  # nothing to highlight in it
    sindex.get_searcher(ix)[1].pop("search", None)
    monkeypatch.setattr(scoring, "NEIGHBOUR_LISTED", True)
    assert "N-2" in _refs(ix, "ワークフロー")


def test_a_filter_keeps_neighbours_out(ix, monkeypatch):
    monkeypatch.setattr(scoring, "NEIGHBOUR_WEIGHT", 1.0)
    monkeypatch.setattr(scoring, "NEIGHBOUR_LISTED", True)
    refs = _refs(ix, "ワークフロー", filters={"department": "人事課"})
    assert "N-2" not in refs


def test_the_budget_leaves_common_words_to_the_titles(ix, monkeypatch):
    searcher, cache = sindex.get_searcher(ix)
    monkeypatch.setattr(scoring, "NEIGHBOUR_BUDGET", 0)
    assert scoring._neighbours(searcher, cache, searcher.document_number(ref="N-4")) == []


def test_suggestions_do_not_use_neighbours(ix, monkeypatch):
    calls = []
    monkeypatch.setattr(scoring, "_neighbour_bonus", lambda *a: calls.append(a) or (a[2], set()))
    squery.suggest(ix, "旅費 ワークフロー 出張")
    assert not calls
    squery.search(ix, "旅費 ワークフロー 出張", facets=False)
    assert calls


@pytest.mark.parametrize("text", ["予約 紙", "会議室や公用車の予約を紙や電話で受けていて、出張の届も紙の様式で回している"])
def test_every_page_is_a_slice_of_one_order(tmp_path, monkeypatch, text):
    """Re-ranking (neighbours, soft score) only moves the first RERANK_DEPTH results; deeper ones follow in BM25
    order. Page by page the cases are those of one long list: none twice, none skipped (page 2 used to be ranked
    over its own deeper pool and could repeat a case of page 1)."""
    many = [dict(c, ref=f"{c['ref']}-{i}", title=f"{c['title']}（{i}）") for i in range(6) for c in CASES]
    ix = sindex.open_index(str(tmp_path / "ix"))
    sindex.upsert_cases(ix, many)
    monkeypatch.setattr(scoring, "RERANK_DEPTH", 5)  # the boundary falls inside page 2 of 3
    monkeypatch.setattr(scoring, "NEIGHBOUR_DEPTH", 5)
    whole = _refs(ix, text, limit=30)
    assert len(whole) > 9
    paged = [r for page in (1, 2, 3) for r in _refs(ix, text, limit=3, page=page)]
    assert len(paged) == len(set(paged)) and paged == whole[:len(paged)]
