"""Readings of indexed words: kana queries (でんしけっさい, りょひ) and mis-conversions (清算).

Sudachi splits a hiragana-only query badly (でんしけっさい -> でん/しけっ/さ/い), so the query's
own segmentation cannot be trusted.  Instead the katakana readings of the *indexed* words are
collected (Sudachi's ``reading_form()``; a katakana word is its own reading) and a kana run of
the query is cut into indexed words by their readings (デンシ+ケッサイ -> 電子+決裁).  A kanji
word that no case contains is replaced by indexed words with the same reading (清算 -> 精算,
the usual mis-conversion).  Both kinds of replacement are weighted below typed words by the
caller (query.py).

The map reading -> indexed words is built per searcher, the first time a query needs it, from
the index's own lexicon (so it follows the cases as they change); the reading of a word is
kept per process (it never changes).
"""

from __future__ import annotations

import re

from .analysis import _sudachi, fold
from .state import search_state

__all__ = ["reading_map", "kana_words", "homophones", "reading_of"]

_KANA_RUN = re.compile(r"^[\u3041-\u3096\u30a1-\u30faー]+$")
_HAS_KANJI = re.compile(r"[\u3400-\u9fff々]")
MAX_PIECES = 3     # a kana run is cut into at most this many indexed words ...
MIN_PIECE = 2      # ... of at least this many kana each


def reading_of(term: str) -> str | None:
    """Katakana reading of an indexed term (None for Latin words and unknown readings)."""
    r = search_state.readings.get(term, False)
    if r is not False:
        return r
    r = None
    if _KANA_RUN.match(term):
        r = fold(term)
    elif _HAS_KANJI.search(term):
        tok, _ = _sudachi()
        parts = []
        for m in tok.tokenize(term):
            if m.is_oov():
                parts = None
                break
            parts.append(fold(m.reading_form()))
        r = "".join(parts) if parts else None
    with search_state.memo_lock:
        if len(search_state.readings) > 500_000:
            search_state.readings.clear()
        search_state.readings[term] = r
    return r


def lexicon_map(searcher, cache: dict, field: str, name: str, keys_of) -> dict:
    """key -> [indexed terms of `field`] where `keys_of(term)` gives a term's keys, built once per searcher and
    kept in its cache dict under `name`."""
    got = cache.get(name)
    if got is not None:
        return got
    out: dict = {}
    for t in searcher.reader().lexicon(field):
        t = t.decode("utf-8") if isinstance(t, bytes) else t
        for key in keys_of(t):
            out.setdefault(key, []).append(t)
    cache[name] = out
    return out


def _long_reading(term: str) -> tuple:
    """The reading of `term` when it is long enough to be a piece of a kana query (() otherwise)."""
    r = reading_of(term)
    return (r,) if r and len(r) >= MIN_PIECE else ()


def reading_map(searcher, cache: dict, field: str) -> dict:
    """reading -> [indexed terms], for this searcher (kept in its cache dict)."""
    return lexicon_map(searcher, cache, field, "readings", _long_reading)


def kana_words(rmap: dict, run: str) -> list:
    """Indexed words whose readings spell the kana ``run`` exactly (longest pieces first):
    [] when the run cannot be cut into at most MAX_PIECES readings of MIN_PIECE+ kana."""
    s = fold(run)
    n = len(s)
    best: dict = {n: []}
    # best[i] = pieces covering s[i:], fewest pieces (then longest first piece)
    for i in range(n - 1, -1, -1):
        choice = None
        for j in range(n, i + MIN_PIECE - 1, -1):
            if s[i:j] in rmap and j in best and len(best[j]) < MAX_PIECES:
                cand = [s[i:j]] + best[j]
                if choice is None or len(cand) < len(choice):
                    choice = cand
        if choice is not None:
            best[i] = choice
    pieces = best.get(0)
    if not pieces:
        return []
    return [rmap[p] for p in pieces]


def homophones(rmap: dict, term: str) -> list:
    """Indexed words read like ``term`` (itself excluded)."""
    r = reading_of(term)
    if not r:
        return []
    return [t for t in rmap.get(r, ()) if t != term]


# --------------------------------------------------------------------------- synonym groups



def groups_of(term: str) -> tuple:
    """SudachiDict synonym group ids of a term read as one dictionary word (() otherwise)."""
    g = search_state.synonym_groups.get(term)
    if g is not None:
        return g
    g = ()
    if _HAS_KANJI.search(term) or _KANA_RUN.match(term):
        tok, _ = _sudachi()
        ms = tok.tokenize(term)
        if len(ms) == 1 and not ms[0].is_oov():
            g = tuple(ms[0].synonym_group_ids())
    with search_state.memo_lock:
        if len(search_state.synonym_groups) > 500_000:
            search_state.synonym_groups.clear()
        search_state.synonym_groups[term] = g
    return g


def group_map(searcher, cache: dict, field: str) -> dict:
    """SudachiDict synonym group id -> [indexed terms], for this searcher."""
    return lexicon_map(searcher, cache, field, "syngroups", groups_of)


def same_group(gmap: dict, term: str) -> list:
    """Indexed terms sharing a SudachiDict synonym group with ``term`` (itself excluded)."""
    out = []
    for g in groups_of(term):
        out.extend(t for t in gmap.get(g, ()) if t != term and t not in out)
    return out
