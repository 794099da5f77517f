"""Soft (semantic) matching of query words with the words of the cases, from word vectors.

A person who describes a trouble in their own words rarely uses the case's words: 「判を順番に
もらう」 for 決裁, 「食べ物や水」 for 備蓄品.  Each query word is compared with the chiVe word
vectors (the same vectors as ``vectors.py``, shipped in the ``ja-ginza`` wheel, reduced here to
``DIMS`` dimensions by PCA and stored as int8 in ``wordvec.npz``) of every word the index holds,
and stands for its ``SOFT_PER_WORD`` nearest indexed words with a cosine of at least
``SOFT_MIN_SIMILARITY``.  The soft score of a case is the idf-weighted mean, over the query's
words, of the best similarity of a word the case contains (1.0 for the word itself), so it lies
in [0, 1] whatever the size of the collection.  ``query.py`` adds it to the normalised BM25
score (``SOFT_WEIGHT``).

Nothing is stored in the index: a case's words are read from the index's own postings (the
bitmaps of ``docsets``), so the score is always that of the searcher's documents, in every
process, with no extra file to keep in step.  ``wordvec.npz`` (2.5 MB) is derived from the
wheel by ``python -m consult.search.semantic …/ja_ginza-5.3.0/vocab``; NumPy reads it at run
time, no model is downloaded.
"""

from __future__ import annotations

import math
import os

import numpy as np

from . import vectors
from .state import search_state

__all__ = ["available", "expansions", "expansions_of", "soft_scores", "build", "RESOURCE"]

RESOURCE = os.path.join(os.path.dirname(__file__), "wordvec.npz")
DIMS = 128                  # PCA dimensions kept of chiVe's 300
SOFT_MIN_SIMILARITY = 0.4   # an indexed word nearer than this to a query word can stand for it
SOFT_PER_WORD = 5           # ... the best this many per query word
SOFT_ROWS = 60              # vector rows looked at per query word (several words share a row)
SHARED_ROW = 0.7            # similarity of another word of the same row (the wheel's vectors
                            # map rare words onto the row of a near frequent one)


def _matrix():
    """The unit row vectors (float32, rows of chiVe) or None when the resource is missing."""
    with search_state.resource_lock:
        if "m" not in search_state.resources["semantic"]:
            path = os.environ.get("CONSULT_SEARCH_WORDVEC", RESOURCE)
            m = None
            if path and os.path.exists(path):
                q = np.load(path)["vecs"].astype(np.float32)
                m = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-6)
            search_state.resources["semantic"]["m"] = m
        return search_state.resources["semantic"]["m"]


def available() -> bool:
    return _matrix() is not None and vectors.available()


def expansions(term: str, indexed) -> list:
    """[(indexed word, similarity)] standing for ``term``: the word itself when ``indexed(word)``
    is true (1.0), then the nearest indexed words by vector, best SOFT_PER_WORD in all."""
    return expansions_of([term], indexed)[term]


def expansions_of(terms, indexed) -> dict:
    """``expansions`` of several terms, with one matrix product for all of them."""
    m = _matrix()
    words = vectors._load()
    out = {t: ([(t, 1.0)] if indexed(t) else []) for t in terms}
    rows = {t: words["words"].get(t) for t in terms} if m is not None else {}
    rows = {t: r for t, r in rows.items() if r is not None}
    if not rows:
        return out
    sims_all = m @ m[list(rows.values())].T
    k = min(SOFT_ROWS, sims_all.shape[0] - 1)
    for j, (term, row) in enumerate(rows.items()):
        sims = sims_all[:, j]
        best = np.argpartition(-sims, k)[:k]
        best = best[np.argsort(-sims[best])]
        got, seen = out[term], {term}
        for r in best.tolist():
            s = SHARED_ROW if r == row else float(sims[r])
            if s < SOFT_MIN_SIMILARITY or len(got) >= SOFT_PER_WORD:
                break
            for w in words["rows"].get(r, ()):
                if w not in seen and indexed(w):
                    seen.add(w)
                    got.append((w, min(s, 1.0)))
                    if len(got) >= SOFT_PER_WORD:
                        break
    return out


def bits_array(bits: int, size: int) -> np.ndarray:
    """A bitmap (Python int, bit d = docnum d) as a bool array of ``size``."""
    raw = np.frombuffer(bits.to_bytes((size >> 3) + 1, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little")[:size].astype(bool)


def soft_scores(words, postings, size: int):
    """Soft score of every docnum (float32 array of ``size``) or None when nothing matched.

    ``words`` [(weight, [(indexed word, similarity)])], one per query word; ``postings(word)``
    the bitmap of the documents containing it."""
    total = sum(w for w, _ in words)
    if not total or not size:
        return None
    score = np.zeros(size, dtype=np.float32)
    any_match = False
    for weight, alts in words:
        best = np.zeros(size, dtype=np.float32)
        for word, sim in sorted(alts, key=lambda x: x[1]):
            bits = postings(word)
            if bits:
                any_match = True
                best[bits_array(bits, size)] = sim  # ascending: the best similarity wins
        score += (weight / total) * best
    return score if any_match else None


def above_floor(soft, quantile: float):
    """The part of every case's soft score above the ``quantile`` of the cases' non-zero soft
    scores for this text (0 below it), for the fusion with BM25.

    A soft score is a mean of similarities: every case gets some of it from the text's common
    words, so the scores of a text sit in a narrow band (0.10-0.45) and divided by the best
    they all came out at 0.3-1.0, which let BM25 decide the order.  Measured from the text's own
    distribution, the floor is the same share of the cases at 80 cases as at 20,000."""
    if quantile <= 0:
        return soft
    live = soft[soft > 0]
    if not live.size:
        return soft
    return np.maximum(soft - float(np.quantile(live, quantile)), 0.0).astype(np.float32)


def indexed_test(searcher, cache, field: str):
    """A function telling whether a word is a term of ``field``: for words with a vector row
    (every candidate near word) from the set of such terms, read once per searcher from the
    lexicon and kept in its cache dict; for the others from the index.  Asking the index for
    every candidate near word (``doc_frequency``: about 900 look-ups for a paragraph's new
    words) was half the time of a whole-text search at 20,000 cases."""
    memo = cache if cache is not None else {}
    rows = vectors._load()["words"]
    got = memo.get("soft_lexicon")
    if got is None:
        got = set()
        for t in searcher.reader().lexicon(field):
            t = t.decode("utf-8") if isinstance(t, bytes) else t
            if t in rows:
                got.add(t)
        got = frozenset(got)
        memo["soft_lexicon"] = got

    def indexed(word: str) -> bool:
        if word in rows:
            return word in got
        return searcher.doc_frequency(field, word) > 0
    return indexed


def idf(n: int, df: int) -> float:
    return max(math.log((n + 1) / (df + 0.5)), 0.05)


# --------------------------------------------------------------------------- build


def build(vocab_dir: str, out_path: str = RESOURCE) -> dict:
    """Write ``out_path`` from a spaCy vocab directory (``…/ja_ginza-5.3.0/vocab``): the
    centred vectors projected on their ``DIMS`` first principal axes, unit length, int8."""
    v = np.load(os.path.join(vocab_dir, "vectors")).astype(np.float32)
    centred = v - v.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    p = centred @ axes[:DIMS].T
    p /= np.maximum(np.linalg.norm(p, axis=1, keepdims=True), 1e-6)
    np.savez_compressed(out_path, vecs=np.round(p * 127).astype(np.int8))
    search_state.resources["semantic"].clear()
    return {"rows": int(p.shape[0]), "dims": DIMS}


if __name__ == "__main__":  # python -m consult.search.semantic VOCAB_DIR [OUT]
    import sys

    print(build(*sys.argv[1:3]))
