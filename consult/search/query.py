"""Searching the case index: the API (``search``, ``suggest``, ``similar``) and its caches.

A search is planned (``planning.py``: analysis, expansions, the terms kept), scored (``scoring.py``: BM25, feedback,
coverage, the soft score of ``semantic.py``) and returned as ``results.Hit`` rows, whose snippets (``snippets.py``)
are built on first access. Answers are kept with the searcher until the next commit opens a new one.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

from . import scoring
from .docsets import docsets, ids_to_bits
from .index import FACET_FIELDS, get_searcher
from .planning import MAX_TERMS, make_plan, query_terms, set_vocabulary, vocabulary_version
from .results import Hit, SearchResult, make_hit
from .state import search_state

__all__ = ["Hit", "SearchResult", "search", "suggest", "similar", "query_terms", "set_vocabulary",
           "vocabulary_version", "MAX_TERMS", "MIN_COVERAGE", "STAFF_MIN_COVERAGE", "RELATIVE_CUTOFF"]

MIN_COVERAGE = 0.35      # suggest(): share of the query's weight a case must match ...
STAFF_MIN_COVERAGE = 0.25  # ... on the staff ticket panel, which may show weaker candidates
MIN_MATCHED = 2          # suggest(): a case must contain this many of the query's words ...
LONG_QUERY_WORDS = 5     # ... and one more when the query has at least this many words
RELATIVE_CUTOFF = 0.45   # suggest(): minimum score relative to the best hit
SORTS = {"newest": "published_at", "helpful": "helpful_count", "hours": "hours_saved"}
SUGGEST_CACHE = 512  # suggestion lists kept per searcher (a ticket page shows the same ones)
RESULT_CACHE = 128   # search pages kept per searcher: people ask the same things (Excel, 押印, RPA …)
SIMILAR_CACHE = 512  # similar-case lists kept per searcher (a case page shows the same ones)


def search(ix, text: str, limit: int = 10, filters=None, sort: str = "relevance",
           page: int = 1, facets=True, max_terms: int = MAX_TERMS) -> SearchResult:
    """Search published cases.

    ``filters`` maps facet fields to a value or list of values; ``sort`` is ``relevance``,
    ``newest``, ``helpful`` or ``hours``; ``facets`` is True (all of FACET_FIELDS), False or a
    list of fields.  An empty text lists every case (newest first unless sorted otherwise).
    Pages are kept with the searcher (``_remember``) until the next commit."""
    searcher, cache = get_searcher(ix)
    key = (text, limit, _frozen(filters), sort, page, tuple(_facet_names(facets)), max_terms,
           search_state.vocabulary["version"])
    res = _remember(cache, "search", key, RESULT_CACHE,
                    lambda: _search(searcher, cache, text, limit, filters, sort, page, facets, max_terms))
    return replace(res, hits=list(res.hits))  # callers may reorder or cut their list, not the cached one


def _search(searcher, cache, text, limit, filters, sort, page, facets, max_terms, soft=True):
    """A page of results (uncached): planned, matched or scored, counted and faceted."""
    limit = max(1, min(int(limit or 10), 200))
    page = max(1, int(page or 1))
    names = _facet_names(facets)
    plan = make_plan(searcher, text, max_terms, cache)
    terms = plan.terms
    weights = {t: w for t, w, _ in terms}
    sets = docsets(searcher, cache)
    if (text or "").strip():
        if not terms and (sort in SORTS or len(plan.words) < scoring.SOFT_ONLY_WORDS):
            # No word of the text is in any case; a whole text may still be soft-matched.
            return SearchResult([], 0, {f: [] for f in names}, page, [])
        searched = [t for t, _, _ in terms]
    else:
        searched = None
        if sort == "relevance":
            sort = "newest"
    allowed = sets.filtered(filters)
    if sort in SORTS:
        # Every match, ordered by a stored value: bitmaps and the cached order, not a
        # Whoosh search that reads the sort key of every match (same order, same keys).
        matched = sets.live() if searched is None else scoring.matching(sets, searched)
        if allowed is not None:
            matched &= allowed
        rows = sets.top(matched, SORTS[sort], (page - 1) * limit, page * limit)
        coverage = scoring.lazy_coverage(sets, [d for d, _ in rows], plan)
        # Whoosh gives a sorted hit its sort key as the score: kept as it was.
        hits = [make_hit(searcher, d, searcher.stored_fields(d), list(weights), coverage, float(key))
                for d, key in rows]
        total = matched.bit_count()
    else:
        hits, searched, estimate, only_soft, exact = scoring.relevance(
            searcher, cache, sets, terms, plan, weights, allowed, limit, page, soft, neighbours=soft)
        if names or estimate is None:
            matched = scoring.matching(sets, searched) | only_soft
            if allowed is not None:
                matched &= allowed
            if exact is not None:  # the listed cases only
                matched = ids_to_bits([h.docnum for h in hits], sets.size) if hits else 0
            total = matched.bit_count()
        else:
            total = estimate if exact is None else exact
    fac = sets.count(matched, names) if names else {}
    return SearchResult(hits, total, fac, page, list(weights), len(plan.words))


def _facet_names(facets):
    if facets is True:
        return list(FACET_FIELDS)
    return list(facets or [])


def suggest(ix, text: str, limit: int = 5, filters=None, min_coverage: float = MIN_COVERAGE,
            relative: float = RELATIVE_CUTOFF, min_matched: int = MIN_MATCHED) -> list:
    """Best cases for a ticket text or a few keywords, only those close enough.

    A case must contain at least ``min_coverage`` of the query's weight (words that no case
    contains count at ``UNKNOWN_WEIGHT`` of theirs, so a ticket about an unusual subject
    still finds the cases it shares its work with), at least ``min_matched`` of the query's
    words (all of them when it has fewer: one word in common is chance), and score at least
    ``relative`` times the best case.  Off-topic text returns an empty list.

    The answer depends only on the text, the arguments and the index, so it is kept with
    the searcher: the same text (a ticket page opened again) costs nothing until the next
    commit opens a new searcher with an empty cache."""
    searcher, cache = get_searcher(ix)

    def compute():
        # Without the soft score: its fused ranking let 2 of 10 off-topic texts through at
        # 20,000 cases (bench/search_speed.py), and it does not separate a paraphrase's case
        # from an off-topic text's best one (consult/search/README.md, round 5).
        res = _search(searcher, cache, text, limit, filters, "relevance", 1, False, MAX_TERMS,
                      soft=False)
        if not res.hits:
            return ()
        top = res.hits[0].score
        need = min(min_matched + (res.words >= LONG_QUERY_WORDS), res.words)
        return tuple(h for h in res.hits if h.score >= relative * top and h.coverage >= min_coverage
                     and h.matched >= need)

    key = (text, limit, _frozen(filters), min_coverage, relative, min_matched, search_state.vocabulary["version"])
    return list(_remember(cache, "suggest", key, SUGGEST_CACHE, compute))


def _remember(cache: dict, name: str, key, size: int, compute):
    """``compute()``, kept under ``key`` in the searcher's cache ``name`` (least recently used
    beyond ``size``).  The searcher's cache dies with it, at the next commit, so an answer is
    never stale; two threads computing the same key at once both compute it, harmlessly."""
    with search_state.memo_lock:
        memo = cache.setdefault(name, OrderedDict())
        if key in memo:
            memo.move_to_end(key)
            return memo[key]
    value = compute()
    with search_state.memo_lock:
        memo[key] = value
        while len(memo) > size:
            memo.popitem(last=False)
    return value


def _frozen(filters):
    """A hashable form of a filter mapping."""
    out = []
    for name, value in sorted((filters or {}).items()):
        values = value if isinstance(value, (list, tuple, set)) else [value]
        out.append((name, tuple(sorted(str(v) for v in values))))
    return tuple(out)


def similar(ix, ref: str, limit: int = 5) -> list:
    """Cases similar to case ``ref`` (itself excluded), best first."""
    searcher, cache = get_searcher(ix)

    def compute():
        docnum = searcher.document_number(ref=str(ref))
        if docnum is None:
            return ()
        stored = searcher.stored_fields(docnum)
        text = "\n".join([stored.get("title", "")] * 2 + [stored.get("body", "")])
        res = _search(searcher, cache, text, limit + 1, None, "relevance", 1, False, MAX_TERMS + 4)
        return tuple(h for h in res.hits if h.ref != str(ref))[:limit]

    return list(_remember(cache, "similar", (str(ref), limit), SIMILAR_CACHE, compute))
