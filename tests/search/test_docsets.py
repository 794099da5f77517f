"""Browse, sorts, totals and facets from cached bitmaps give what Whoosh itself gives.

The index has several segments, replaced and deleted cases, ties in the sort values and
cases without a publication date or saved hours, so every edge of the sort keys shows."""

from collections import Counter
from datetime import datetime

import pytest
from whoosh import query as wq
from whoosh import sorting

from consult.search import docsets as sdocsets
from consult.search import index as sindex
from consult.search import planning, scoring
from consult.search import query as squery

TITLES = ["調査票の集計をエクセルで自動化", "申請書の押印を廃止", "会議録の作成を音声認識で効率化",
          "共有フォルダの整理", "窓口の問い合わせをチャットボットで受付", "紙の申請を電子申請に"]
DEPARTMENTS = ["総務部 総務課", "県民生活部 県民課", "土木部 道路課"]


def make(i, **kw):
    """Case i: values repeat so that sorts have ties; every 7th has no date, every 5th no hours."""
    doc = {"ref": f"D-{i:03d}", "title": TITLES[i % len(TITLES)] + f" その{i}",
           "department": DEPARTMENTS[i % 3], "problem": f"{TITLES[(i * 5) % len(TITLES)]}が課題",
           "cause": "", "solution": "Excelとフォームで対応した" if i % 2 else "運用を見直した",
           "effect": "", "tools": ["Excel"] if i % 2 else ["Forms", "Teams"],
           "tags": [f"タグ{i % 4}"], "resolution_type": ["ツール導入", "業務改善"][i % 2],
           "category": ["集計", "文書", "申請"][i % 3],
           "hours_saved_per_year": None if i % 5 == 0 else (i * 7) % 40,
           "published_at": None if i % 7 == 0 else datetime(2026, 1 + i % 12, 1 + i % 3),
           "helpful_count": i % 4, "view_count": 0}
    doc.update(kw)
    return doc


@pytest.fixture()
def ix(tmp_path):
    """Three commits (segments), one case replaced, two deleted."""
    ix = sindex.open_index(str(tmp_path / "ix"))
    sindex.upsert_cases(ix, [make(i) for i in range(0, 30)])
    sindex.upsert_cases(ix, [make(i) for i in range(30, 45)])
    sindex.upsert_cases(ix, [make(3, helpful_count=9, title="押印の廃止を全庁で")])
    sindex.delete_cases(ix, ["D-010", "D-031"])
    sindex.get_searcher(ix, force=True)
    return ix


def whoosh_sorted(ix, q, field, filters=None):
    """(ref, score) of every match in Whoosh's own sorted search."""
    searcher, _ = sindex.get_searcher(ix)
    flt = None
    if filters:
        flt = wq.And([wq.Or([wq.Term(k, v) for v in vs]) for k, vs in filters.items()])
    res = searcher.search(q, sortedby=sorting.FieldFacet(field, reverse=True), limit=None,
                          filter=flt)
    return [(h["ref"], float(h.score)) for h in res]


def brute_facets(ix, refs):
    """Facet counts from the stored fields of ``refs``."""
    searcher, _ = sindex.get_searcher(ix)
    counts = {f: Counter() for f in sindex.FACET_FIELDS}
    for fields in searcher.all_stored_fields():
        if fields["ref"] not in refs:
            continue
        for f in sindex.FACET_FIELDS:
            for v in (fields.get(f) or "").split(",") if f in ("tools", "tags") else [fields.get(f)]:
                if v:
                    counts[f][v] += 1
    return {f: sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) for f, c in counts.items()}


def all_pages(ix, text, sort, filters=None, limit=4):
    """Every hit of a search, page after page, and the result of the first page."""
    first = squery.search(ix, text, limit=limit, sort=sort, filters=filters)
    hits, page = list(first.hits), 2
    while len(hits) < first.total:
        more = squery.search(ix, text, limit=limit, sort=sort, filters=filters, page=page).hits
        assert more
        hits += more
        page += 1
    return [(h.ref, h.score) for h in hits], first


@pytest.mark.parametrize("sort", ["newest", "helpful", "hours"])
@pytest.mark.parametrize("filters", [None, {"category": ["申請"]},
                                     {"tools": ["Excel"], "department": ["総務部 総務課", "土木部 道路課"]}])
def test_browse_without_query_matches_whoosh_sort(ix, sort, filters):
    expected = whoosh_sorted(ix, wq.Every(), squery.SORTS[sort], filters)
    got, first = all_pages(ix, "", sort, filters)
    assert got == expected and first.total == len(expected)
    assert first.facets == brute_facets(ix, {r for r, _ in expected})


@pytest.mark.parametrize("sort", ["newest", "helpful", "hours"])
@pytest.mark.parametrize("text", ["押印 廃止", "エクセル 集計", "チャットボット"])
def test_sorted_query_matches_whoosh_sort(ix, sort, text):
    searcher, _ = sindex.get_searcher(ix)
    terms, _ = planning.select_terms(searcher, text, squery.MAX_TERMS)
    expected = whoosh_sorted(ix, scoring.build(terms), squery.SORTS[sort])
    got, first = all_pages(ix, text, sort)
    assert got == expected and first.total == len(expected)
    assert first.facets == brute_facets(ix, {r for r, _ in expected})


def test_relevance_total_and_facets_are_the_matches(ix):
    searcher, _ = sindex.get_searcher(ix)
    for text, filters in [("押印 廃止", None), ("エクセル", {"resolution_type": ["ツール導入"]})]:
        res = squery.search(ix, text, filters=filters)
        terms, _ = planning.select_terms(searcher, text, squery.MAX_TERMS)
        q = scoring.build(terms + scoring._feedback_terms(
            searcher, searcher.search(scoring.build(terms), limit=1), {t for t, _, _ in terms},
            planning.POSTINGS_BUDGET))
        matched = {r for r, _ in whoosh_sorted(ix, q, "published_at", filters)}
        assert res.total == len(matched) and {h.ref for h in res.hits} <= matched
        assert res.facets == brute_facets(ix, matched)


def test_filter_matching_nothing_gives_nothing(ix):
    for text in ["", "押印"]:
        res = squery.search(ix, text, filters={"category": ["ない分類"]})
        assert res.hits == [] and res.total == 0
        assert res.facets == {f: [] for f in sindex.FACET_FIELDS}


def test_sparse_and_dense_page_selection_agree(ix, monkeypatch):
    """Few matches are sorted, many are picked from the cached order: same page."""
    searcher, cache = sindex.get_searcher(ix)
    sets = sdocsets.docsets(searcher, cache)
    bits = scoring.matching(sets, ["押印", "エクセル"]) or sets.live()
    for field in squery.SORTS.values():
        dense = sets.top(bits, field, 1, 6)
        monkeypatch.setattr(sets, "size", 10**9)  # every set counts as "few"
        assert sets.top(bits, field, 1, 6) == dense
        monkeypatch.undo()


def test_bitmaps_round_trip():
    ids = [0, 1, 7, 8, 63, 64, 1000, 4095]
    bits = sdocsets.ids_to_bits(ids, 4096)
    assert sdocsets.bits_to_ids(bits) == ids and bits.bit_count() == len(ids)
    assert sdocsets.bits_to_ids(0) == []


def test_coverage_same_from_postings_and_bitmaps(ix, monkeypatch):
    """Coverage tests a common term by skipping through its postings, a cached or rare one
    with its bitmap: the same answer."""
    text = "申請書の押印を廃止して電子申請にしたい。Excelで集計もしている。"
    first = [(h.ref, h.coverage, h.matched) for h in squery.search(ix, text, facets=False).hits]
    searcher, cache = sindex.get_searcher(ix)
    sets = sdocsets.docsets(searcher, cache)
    for t in list(searcher.lexicon(planning.SEARCH_FIELD)):
        sets.term(planning.SEARCH_FIELD, t.decode("utf-8"))  # now every term is a cached bitmap
    again = [(h.ref, h.coverage, h.matched) for h in squery.search(ix, text, facets=False).hits]
    assert again == first and first


def test_empty_index(tmp_path):
    ix = sindex.open_index(str(tmp_path / "empty"))
    for sort in ("newest", "helpful"):
        res = squery.search(ix, "", sort=sort)
        assert res.hits == [] and res.total == 0
    assert squery.search(ix, "押印").total == 0 and squery.suggest(ix, "押印の廃止") == []
