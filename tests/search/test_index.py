"""Index and query tests on a real Whoosh index in tmp_path."""

import re
from datetime import datetime

import pytest

from consult.search import docsets as sdocsets
from consult.search import index as sindex
from consult.search import query as squery
from consult.search import scoring


def case(ref, title, problem, solution="", **kw):
    base = {"ref": ref, "title": title, "department": kw.pop("department", "総務部 総務課"),
            "problem": problem, "cause": "", "solution": solution, "effect": "",
            "tools": kw.pop("tools", []), "tags": kw.pop("tags", []),
            "resolution_type": kw.pop("resolution_type", "ツール導入"), "category": "",
            "hours_saved_per_year": kw.pop("hours", None),
            "published_at": kw.pop("published_at", None), "helpful_count": 0, "view_count": 0}
    base.update(kw)
    return base


CASES = [
    case("C-1", "調査票の集計をエクセルで自動化", "市町村から届く調査票を手作業で転記していた。",
         "Power Queryで取りまとめを自動化した。", tools=["Excel"], tags=["集計"], hours=120,
         published_at=datetime(2026, 4, 1)),
    case("C-2", "申請書の押印を廃止", "申請様式に印鑑の欄があり郵送が必要だった。",
         "押印欄を削除し電子申請に移行した。", tags=["押印廃止"], hours=40,
         department="県民生活部 県民課", published_at=datetime(2026, 6, 1)),
    case("C-3", "ファイルサーバーの整理", "共有フォルダが散らかってファイルが見つからない。",
         "命名ルールを決めてサーバを整理した。", tools=["共有サーバ"], tags=["ファイル整理"],
         resolution_type="業務改善", hours=10, published_at=datetime(2026, 5, 1)),
]


@pytest.fixture()
def ix(tmp_path):
    ix = sindex.open_index(str(tmp_path / "ix"))
    sindex.upsert_cases(ix, CASES)
    return ix


def refs(result):
    return [h.ref for h in result.hits]


def test_variants_find_the_case(ix):
    for q in ["ｴｸｾﾙ 集計", "Excel 取りまとめ", "えくせる"]:
        assert refs(squery.search(ix, q))[0] == "C-1"
    assert refs(squery.search(ix, "はんこ"))[0] == "C-2"
    assert refs(squery.search(ix, "サーバ"))[0] == "C-3"


def test_upsert_replaces_and_delete_removes(ix):
    sindex.upsert_cases(ix, [case("C-1", "会議録の作成", "議事録の作成に時間がかかる。")])
    assert "C-1" not in refs(squery.search(ix, "エクセル 集計"))
    assert refs(squery.search(ix, "議事録"))[0] == "C-1"
    assert squery.search(ix, "", facets=False).total >= 3
    sindex.delete_cases(ix, ["C-1", "unknown"])
    assert "C-1" not in refs(squery.search(ix, "議事録"))


def test_rebuild_swaps_directory(tmp_path, ix):
    path = str(tmp_path / "ix")
    seen = []
    n = sindex.rebuild(path, [CASES[1]], progress=seen.append)
    assert n == 1 and seen[-1] == 1
    assert refs(squery.search(path, "", facets=False)) == ["C-2"]
    assert refs(squery.search(sindex.open_index(path), "押印")) == ["C-2"]


@pytest.mark.parametrize("text", ['"Excel', 'AND OR NOT', "集計)", "(((", "*", "field:value",
                                   "title:エクセル^2 ~ [a TO", "\\", "'", "   ", "", "紙"])
def test_syntax_characters_never_raise(ix, text):
    squery.search(ix, text)
    squery.suggest(ix, text)


def test_long_paragraph_query(ix):
    text = ("毎月、市町村から届くエクセルの調査票を一つずつ開いて、手作業で転記して集計しています。"
            "件数が多く、締切前は残業が続いてしまいます。何か良い方法はありませんか。") * 5
    res = squery.search(ix, text)
    assert refs(res)[0] == "C-1"
    assert len(res.terms) <= squery.MAX_TERMS


def test_highlight_offsets_and_escaping(tmp_path):
    ix = sindex.open_index(str(tmp_path / "h"))
    sindex.upsert_cases(ix, [case("H-1", "t", "<b>注意</b> ＥＸＣＥＬとｴｸｾﾙとサーバーの件")])
    hit = squery.search(ix, "エクセル サーバ").hits[0]
    marked = re.findall(r"<mark>(.*?)</mark>", hit.snippet_html)
    assert marked == ["ＥＸＣＥＬ", "ｴｸｾﾙ", "サーバー"]
    assert "&lt;b&gt;" in hit.snippet_html and "<b>" not in hit.snippet_html


def test_filters_sort_facets(ix):
    res = squery.search(ix, "", sort="newest")
    assert refs(res) == ["C-2", "C-3", "C-1"]
    assert refs(squery.search(ix, "", sort="hours"))[0] == "C-1"
    res = squery.search(ix, "", filters={"resolution_type": "業務改善"})
    assert refs(res) == ["C-3"] and res.total == 1
    facets = squery.search(ix, "").facets
    assert ("ツール導入", 2) in facets["resolution_type"]
    assert ("Excel", 1) in facets["tools"]
    page2 = squery.search(ix, "", limit=2, page=2, sort="newest")
    assert refs(page2) == ["C-1"] and page2.total == 3


def test_suggest_threshold_and_similar(ix):
    assert squery.suggest(ix, "ドローンで測量した写真を共有したい")== []
    assert [h.ref for h in squery.suggest(ix, "エクセルの集計を自動化したい")][:1] == ["C-1"]
    assert "C-2" not in [h.ref for h in squery.similar(ix, "C-2")]


def test_lock_timeout_raises_clear_error(ix):
    w = ix.writer()
    try:
        with pytest.raises(sindex.IndexBusyError):
            sindex.upsert_cases(ix, CASES[:1], timeout=0.1)
    finally:
        w.cancel()


def test_searcher_sees_new_commit(ix):
    assert refs(squery.search(ix, "議事録")) == []
    sindex.upsert_cases(ix, [case("C-9", "議事録作成", "議事録の作成")])
    sindex.get_searcher(ix, force=True)
    assert refs(squery.search(ix, "議事録")) == ["C-9"]


def test_facets_and_total_same_on_both_counting_paths(ix, monkeypatch):
    """A rare facet value is kept as docnums and counted one by one, a common one as a bitmap
    (one AND); the total is the union of the terms' postings: they agree, deleted cases
    excluded."""
    sindex.upsert_cases(ix, [case("C-4", "集計表の押印", "集計と押印", tools=["Excel"])])
    sindex.delete_cases(ix, ["C-3"])
    sindex.get_searcher(ix, force=True)
    for text in ["集計 押印 サーバ", ""]:
        got = []
        for share in (1, 10**6):  # every value a bitmap / every value a list of docnums
            monkeypatch.setattr(sdocsets, "SPARSE_SHARE", share)
            sindex.get_searcher(ix, force=True)[1].clear()
            got.append(squery.search(ix, text))
        assert got[0].facets == got[1].facets and got[0].total == got[1].total
    searcher, cache = sindex.get_searcher(ix)
    res = squery.search(ix, "集計 押印 サーバ")
    matched = scoring.matching(sdocsets.docsets(searcher, cache), res.terms)
    refs_ = {searcher.stored_fields(d)["ref"] for d in sdocsets.bits_to_ids(matched)}
    assert refs_ == {"C-1", "C-2", "C-4"} and res.total == 3  # C-3 (サーバ) was deleted
    assert squery.search(ix, "").total == 3
    assert ("Excel", 2) in squery.search(ix, "集計 押印").facets["tools"]


def test_rebuild_with_two_processes_from_the_threshold(tmp_path, monkeypatch):
    """From MP_MIN_CASES cases on, rebuild() indexes with two processes; all cases arrive."""
    monkeypatch.setattr(sindex, "MP_MIN_CASES", 3)
    path = str(tmp_path / "mp")
    seen = []
    extra = [case(f"M-{i}", f"会議録の作成 {i}", "議事録") for i in range(3)]
    n = sindex.rebuild(path, iter(CASES + extra), progress=seen.append, batch=2)
    assert n == 6 and seen[-1] == 6
    assert sorted(refs(squery.search(path, "議事録", limit=10))) == ["M-0", "M-1", "M-2"]
    assert refs(squery.search(path, "押印"))[0] == "C-2"
