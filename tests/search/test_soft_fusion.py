"""Fusion of BM25 with the soft score (consult/search/scoring.py, semantic.above_floor): every
case found only by soft matching is listed up to SOFT_ONLY_DOCS, and only the part of a soft
score above the text's own floor counts, at any corpus size."""
from types import SimpleNamespace

import numpy as np
import pytest

from consult.search import index as sindex
from consult.search import query as squery
from consult.search import scoring, semantic


def test_every_soft_only_case_is_listed_up_to_the_limit(monkeypatch):
    monkeypatch.setattr(scoring, "SOFT_FLOOR", 0.0)
    soft = np.zeros(40, dtype=np.float32)
    soft[[5, 9, 17, 30, 33]] = [0.5, 0.4, 0.3, 0.2, 0.1]
    results = [SimpleNamespace(docnum=2, score=4.0)]
    rows, only = scoring._fuse(results, soft, 1.0, scoring.SOFT_ONLY_WORDS)
    assert [d for d, _ in rows] == [2, 5, 9, 17, 30, 33]
    assert only == sum(1 << d for d in (5, 9, 17, 30, 33))
    monkeypatch.setattr(scoring, "SOFT_ONLY_DOCS", 2)
    rows, only = scoring._fuse(results, soft, 1.0, scoring.SOFT_ONLY_WORDS)
    assert [d for d, _ in rows] == [2, 5, 9] and bin(only).count("1") == 2


def test_keywords_add_no_soft_only_case():
    soft = np.array([0.0, 0.9, 0.2], dtype=np.float32)
    rows, only = scoring._fuse([SimpleNamespace(docnum=2, score=1.0)], soft, 1.0, 2)
    assert [d for d, _ in rows] == [2] and only == 0


def test_the_floor_is_a_share_of_the_cases_whatever_their_number():
    rng = np.random.default_rng(1)
    soft = rng.uniform(0.1, 0.4, 80).astype(np.float32)
    soft[7] = 0.6
    small = semantic.above_floor(soft, 0.8)
    big = semantic.above_floor(np.tile(soft, 250), 0.8)  # the same texts at 20,000 cases
    assert np.allclose(big[:80], small)
    assert (small > 0).sum() == pytest.approx(0.2 * 80, abs=1)  # only the best fifth counts
    assert small.argmax() == 7 and small.min() == 0.0
    assert semantic.above_floor(soft, 0.0) is soft
    assert not semantic.above_floor(np.zeros(5, dtype=np.float32), 0.8).any()


def test_the_floor_ranks_the_case_near_in_meaning_first(tmp_path, monkeypatch):
    """A whole text whose words are close to one case's words (飲み物 -> 飲料) lists it first
    when BM25 prefers a case that merely shares common words with it."""
    if not semantic.available():
        pytest.skip("wordvec.npz not shipped")
    cases = [
        {"ref": "F-1", "department": "危機管理課", "title": "防災備蓄品の在庫を共有台帳で管理",
         "problem": "避難所の備蓄品（食料と飲料水）の数量と賞味期限を倉庫ごとに確認していた",
         "solution": "共有の台帳に数量と期限を記録した"},
        {"ref": "F-2", "department": "総務課", "title": "電話の問い合わせを記録して共有",
         "problem": "電話で聞かれたことを毎回調べて答えていた。担当が休みだと分からない",
         "solution": "問い合わせを記録する台帳を作った"},
        {"ref": "F-3", "department": "総務課", "title": "会議室の予約をオンライン化",
         "problem": "会議室の予約を電話と紙の台帳で受けていた", "solution": "予約フォームを作った"},
    ]
    ix = sindex.open_index(str(tmp_path / "ix"))
    sindex.upsert_cases(ix, cases)
    text = "しまってある食べ物や飲み物がいくつ残っているのか、電話で聞かないと分からない。気づいたら捨てることもある"
    hits = squery.search(ix, text, facets=False).hits
    assert hits[0].ref == "F-1"


def test_the_lexicon_test_agrees_with_the_index(tmp_path):
    if not semantic.available():
        pytest.skip("wordvec.npz not shipped")
    ix = sindex.open_index(str(tmp_path / "ix"))
    sindex.upsert_cases(ix, [{"ref": "L-1", "title": "会議室の予約をオンライン化",
                              "problem": "会議室の予約を電話と紙の台帳で受けていた"}])
    searcher, cache = sindex.get_searcher(ix)
    indexed = semantic.indexed_test(searcher, cache, scoring.SEARCH_FIELD)
    for word in ("会議室", "予約", "電話", "台帳", "飲料", "ホワイトボード", "zzz未知語"):
        assert indexed(word) == (searcher.doc_frequency(scoring.SEARCH_FIELD, word) > 0), word
    assert "soft_lexicon" in cache  # read once per searcher
