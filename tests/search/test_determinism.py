"""Every worker process plans a query the same way: nothing depends on the order of a set (string hashing, and
with it the order of a set of words, is randomised per process by PYTHONHASHSEED)."""
from consult.search import index as sindex
from consult.search import planning
from consult.search.index import get_searcher

CASES = [
    {"ref": "K-1", "title": "委託契約書の製本をやめる", "problem": "契約書を製本して郵送していた",
     "solution": "電子契約で契約締結するようにした"},
    {"ref": "K-2", "title": "契約の書面を減らす", "problem": "書面での契約に押印が要った", "solution": "契約締結を電子化した"},
]


def test_a_related_word_reached_from_two_parts_of_a_word_does_not_depend_on_their_order(tmp_path, monkeypatch):
    """契約書 and its part 契約 are one word of the query (a set); when both have the same related word with the same
    similarity, the part it is credited to (and so its weight) must not depend on which one the set yields first:
    it did, and two workers kept different terms for the same text."""
    ix = sindex.open_index(str(tmp_path / "ix"))
    sindex.upsert_cases(ix, CASES)
    searcher, cache = get_searcher(ix)
    monkeypatch.setattr(planning, "SYNGROUP_SIMILARITY", 0)
    monkeypatch.setattr(planning, "_indexed_related",
                        lambda s, c, term: [("締結", 0.8, s.doc_frequency(planning.SEARCH_FIELD, "締結"))])
    df = {t: searcher.doc_frequency(planning.SEARCH_FIELD, t) for t in ("契約書", "契約")}
    assert df["契約書"] != df["契約"]  # different idf, so the credited part changes the weight
    n = searcher.doc_count()
    one = planning._vector_terms(searcher, cache, ["契約書", "契約"], {"契約書": 1, "契約": 1}, df, n)
    other = planning._vector_terms(searcher, cache, ["契約", "契約書"], {"契約書": 1, "契約": 1}, df, n)
    assert one == other and one
