"""Scoring: BM25 over the planned terms, pseudo-relevance feedback, coverage and the soft score.

``relevance`` runs the Whoosh search of a ``Plan`` (one OR over the combined field plus the title field: ``build``),
adds the best case's title words for short queries (feedback) and, for whole texts, fuses BM25 with the soft score
of ``semantic.py`` (``_soft``, ``_fuse``). ``lazy_coverage`` gives each listed case the share of the query's weight
it contains and how many of the query's words (``suggest()`` uses both), read from the terms' postings, never from
the stored text.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import partial

import numpy as np
from whoosh import query as wq

from . import planning, semantic
from .docsets import bits_to_ids
from .planning import SEARCH_FIELD, TITLE_FIELD, Plan
from .results import make_hit
from .snippets import units as _units

__all__ = ["build", "relevance", "matching", "lazy_coverage", "SOFT_ONLY_WORDS"]

FEEDBACK_DOCS = 1        # relevance: the title of the best case adds related words ...
FEEDBACK_WEIGHT = 0.0    # ... at this weight (0.3 until round 7; the nearest cases of the best
                         # case (NEIGHBOUR_*) find the same theme better: main nDCG@10 0.924 -> 0.926)
FEEDBACK_TERMS = 6
FEEDBACK_ONLY_DROP = True  # cases found only through the feedback words are not listed
FEEDBACK_MAX_TERMS = 4   # only short queries get feedback (long ones have words enough)
SOFT_WEIGHT = 2.5        # soft score (semantic.py), relative to BM25 divided by the best BM25
SOFT_FLOOR = 0.7         # ... counting only what a case's soft score has above this quantile
                         # of the cases' soft scores for the text (semantic.above_floor)
SOFT_COVER_POWER = 1.0   # ... times (1 - coverage of the best BM25 case) to this power
SOFT_MIN_WEIGHT = 0.02   # below this (keywords a case covers) no soft score is computed
RERANK_DEPTH = 50        # BM25 results of a whole text re-ranked by the soft score and the neighbours ...
NEIGHBOUR_DEPTH = 20     # ... and of keywords by the neighbours (a top 50 cost keyword searches 6 ms at
                         # p95 at 20,000 cases); deeper ones follow in BM25 order (every page a slice of one order)
SOFT_MAX_WORDS = 16      # a long text: its most specific words are soft-matched
SOFT_ONLY_WORDS = 5      # texts of this many words may list cases sharing none of them ...
SOFT_ONLY_DOCS = 10      # ... at most this many, the best by soft score
NEIGHBOUR_DOCS = 1       # document feedback: the nearest cases of the best case(s) ...
NEIGHBOUR_WEIGHT = 0.12  # ... get this times the case's score share times their similarity
NEIGHBOUR_K = 5          # nearest cases of a case (BM25 of its title, kept per searcher)
NEIGHBOUR_TERMS = 16     # terms of a title's plan for its nearest cases
NEIGHBOUR_LISTED = False  # a neighbour sharing no word with a short query is listed
NEIGHBOUR_BUDGET = 1000  # postings scored for a case's nearest cases (a word more common
                         # in the texts is matched in the titles only, or not at all)
NEIGHBOUR_CACHE = 20_000  # cases whose nearest cases are kept per searcher


def build(terms) -> wq.Query:
    """One OR over the combined field, plus the title field for each term."""
    clauses = []
    for term, _, boost in terms:
        clauses.append(wq.Term(SEARCH_FIELD, term, boost=boost))
        clauses.append(wq.Term(TITLE_FIELD, term, boost=boost))
    return wq.Or(clauses) if clauses else wq.NullQuery


def _feedback_terms(searcher, results, weights, budget):
    """Pseudo-relevance feedback: words of the best cases' titles that the query lacks."""
    analyzer = searcher.schema[SEARCH_FIELD].analyzer
    n = max(1, searcher.doc_count())
    found = Counter()
    for i, hit in enumerate(results):
        if i >= FEEDBACK_DOCS:
            break
        for term in {t for t, _, _ in _units(analyzer, hit.fields().get("title", ""))}:
            if term not in weights:
                found[term] += 1
    extra = []
    for term, k in found.items():
        df = searcher.doc_frequency(SEARCH_FIELD, term)
        if df:
            idf = math.log((n + 1) / (df + 0.5))
            extra.append((idf * k, term, df))
    extra.sort(key=lambda x: (-x[0], x[1]))
    out = []
    for _, term, df in extra:
        if len(out) >= FEEDBACK_TERMS:
            break
        if df <= budget:
            budget -= df
            out.append((term, 0.0, FEEDBACK_WEIGHT))
    return out


def _coverage(sets, docnums, plan: Plan) -> dict:
    """docnum -> (share of the query's weight the case contains, number of the query's words
    it contains), read from the terms' postings (bitmaps kept with the searcher; no
    re-analysis of stored text, no ``terms=True`` which would disable Whoosh's top-N
    shortcuts)."""
    if not docnums or not plan.total:
        return {d: (0.0, 0) for d in docnums}
    order = sorted(docnums)
    has = {t: sets.which(SEARCH_FIELD, t, order) for credit in plan.words for t in credit}
    out = {}
    for d in docnums:
        got, matched = 0.0, 0
        for credit in plan.words:
            found = [(c, t) for t, c in credit.items() if d in has[t]]
            if found:
                got += max(found)[0]
                matched += any(t not in plan.weak for _, t in found)
        out[d] = (round(min(got / plan.total, 1.0), 4), matched)
    return out


def lazy_coverage(sets, docnums, plan: Plan):
    """docnum -> (coverage, matched), computed for all the page's hits at the first call."""
    memo: dict = {}

    def get(docnum):
        if not memo:
            memo.update(_coverage(sets, docnums, plan))
        return memo.get(docnum, (0.0, 0))
    return get


def relevance(searcher, cache, sets, terms, plan, weights, allowed, limit, page, soft_ok=True,
              neighbours=True):
    """(hits of the page, searched terms, estimated total, documents found only by soft
    matching as a bitmap, the exact total when cases were dropped from the last page or
    None) of a Whoosh relevance search, fused with the soft score (``_soft``)."""
    searched = [t for t, _, _ in terms]
    if allowed == 0:  # Whoosh takes an empty filter set for "no filter"
        return [], searched, None, 0, None
    # Only whole texts: for a few keywords the soft score changed little (hard set: translit
    # MRR +0.02, synonym -0.02) and cost 20 ms CPU at p95 at 20,000 cases.
    may_soft = bool(soft_ok and SOFT_WEIGHT and plan.soft and len(plan.words) >= SOFT_ONLY_WORDS
                    and semantic.available())
    # Re-ranked: the first `window` results (a whole text: soft score and neighbours; keywords: neighbours only).
    window = RERANK_DEPTH if may_soft else NEIGHBOUR_DEPTH
    reranked = may_soft or bool(neighbours and NEIGHBOUR_DOCS and NEIGHBOUR_WEIGHT > 0)
    depth = max(page * limit, window) if reranked else page * limit
    kwargs = {"filter": set(bits_to_ids(allowed)) if allowed is not None else None,
              "limit": depth}
    q = build(terms)
    results = searcher.search(q, **kwargs)
    if FEEDBACK_DOCS and FEEDBACK_WEIGHT > 0 and len(terms) <= FEEDBACK_MAX_TERMS:
        extra = _feedback_terms(searcher, results, weights,
                                planning.POSTINGS_BUDGET - sum(searcher.doc_frequency(SEARCH_FIELD, t)
                                                      for t, _, _ in terms))
        if extra:
            q = build(terms + extra)
            searched += [t for t, _, _ in extra]
            results = searcher.search(q, **kwargs)
    only_soft, exact, soft, weight = 0, None, None, 0.0
    if may_soft:
        # The soft score counts as much as the best BM25 case leaves of the query's words
        # uncovered: nothing for keywords a case contains (not even computed), fully for a
        # text in other words.
        top = next(iter(results), None)
        cover = _coverage(sets, [top.docnum], plan)[top.docnum][0] if top is not None else 0.0
        weight = SOFT_WEIGHT * max(0.0, 1.0 - cover) ** SOFT_COVER_POWER
        if weight > SOFT_MIN_WEIGHT:
            soft = _soft(searcher, cache, sets, plan, allowed)
    # Not list(results): it calls len(), which counts every match (twice the work).
    found = [r for r in results]  # the top `depth` only
    head, tail = found[:window], [(r.docnum, float(r.score or 0.0)) for r in found[window:]]
    if soft is None:
        ranked = [(r.docnum, float(r.score or 0.0)) for r in head]
        estimate = results.estimated_length()
    else:
        ranked, only_soft = _fuse(head, soft, weight, len(plan.words))
        estimate = None
    near = set()
    bonus = bool(neighbours and NEIGHBOUR_DOCS and NEIGHBOUR_WEIGHT > 0 and ranked)
    if bonus:
        ranked, near = _neighbour_bonus(searcher, cache, ranked, allowed)
        for d in near:
            only_soft |= 1 << d
    if tail:
        # Only the first `window` results are re-ranked; the deeper ones follow in BM25 order, so that every
        # page is a slice of one order (page 2 never repeats a case of page 1 nor skips one). Re-ranked scores
        # are shares of the best; the deeper ones get theirs too, never above the last re-ranked one.
        listed = {d for d, _ in ranked}
        if soft is not None or bonus:
            top_bm, last = float(found[0].score or 0.0) or 1.0, ranked[-1][1]
            tail = [(d, min(last, s / top_bm)) for d, s in tail]
        ranked += [(d, s) for d, s in tail if d not in listed]
    rows = ranked[(page - 1) * limit:page * limit]
    coverage = lazy_coverage(sets, [d for d, _ in rows], plan)
    hits = [make_hit(searcher, d, searcher.stored_fields(d), list(weights), coverage, score)
            for d, score in rows]
    if soft is not None:
        for h in hits:
            h.soft = float(soft[h.docnum])
    if FEEDBACK_ONLY_DROP and (len(searched) > len(terms) or len(terms) <= FEEDBACK_MAX_TERMS):
        # A case that only the feedback words or related words found shares no word with a
        # short query (a whole text may list such a case when it is close by soft matching).
        whole = len(plan.words) >= SOFT_ONLY_WORDS
        kept = [h for h in hits if h.matched or (whole and h.soft > 0)
                or (NEIGHBOUR_LISTED and h.docnum in near)]
        if len(kept) < len(hits) and len(rows) < limit:
            # Every match was on this page: the total is what is listed (旅費 used to say
            # 3 cases and list none).
            exact = (page - 1) * limit + len(kept)
        hits = kept
    return hits, searched, estimate, only_soft, exact


def _soft(searcher, cache, sets, plan, allowed):
    """Soft score of every docnum (numpy array) for the plan's words, or None."""
    if not SOFT_WEIGHT or not plan.soft or not semantic.available():
        return None
    n = max(1, searcher.doc_count())
    memo = cache.setdefault("soft", {}) if cache is not None else {}
    todo = [t for t, _ in plan.soft if t not in memo]
    if todo:
        if len(memo) > 50_000:
            memo.clear()
        memo.update(semantic.expansions_of(todo, semantic.indexed_test(searcher, cache, SEARCH_FIELD)))
    # A word no case contains weighs like the rarest word (it is the most specific).
    words = [(semantic.idf(n, df), memo[t]) for t, df in plan.soft if memo[t]]
    words = sorted(words, key=lambda x: -x[0])[:SOFT_MAX_WORDS]
    score = semantic.soft_scores(words, partial(sets.term, SEARCH_FIELD), sets.size)
    if score is None:
        return None
    mask = sets.live() if allowed is None else allowed & sets.live()
    score *= semantic.bits_array(mask, sets.size)
    return score


def _fuse(results, soft, weight, nwords):
    """([(docnum, fused score)] of the page, soft-only documents as a bitmap): BM25 divided by
    the best BM25 plus SOFT_WEIGHT x the soft score above its SOFT_FLOOR quantile divided by
    the best such score.  A text of
    SOFT_ONLY_WORDS words or more may also list the SOFT_ONLY_DOCS best cases by soft score
    that share no word with it; a few keywords only re-rank what they match."""
    bm = [(r.docnum, float(r.score or 0.0)) for r in results]
    top_bm = max((s for _, s in bm), default=0.0) or 1.0
    soft = semantic.above_floor(soft, SOFT_FLOOR)
    top_soft = float(soft.max()) or 1.0
    fused = {d: s / top_bm + weight * float(soft[d]) / top_soft for d, s in bm}
    only = added = 0
    if nwords >= SOFT_ONLY_WORDS:
        k = min(SOFT_ONLY_DOCS + len(bm), len(soft))
        best = np.argpartition(-soft, k - 1)[:k] if k < len(soft) else np.arange(len(soft))
        for d in sorted(best.tolist(), key=lambda d: -soft[d]):
            if added >= SOFT_ONLY_DOCS:  # a count: comparing the bitmap let one case in at most
                break
            if d not in fused and soft[d] > 0:
                fused[d] = weight * float(soft[d]) / top_soft
                only |= 1 << d
                added += 1
    order = sorted(fused.items(), key=lambda x: (-x[1], x[0]))
    return order, only


def _neighbours(searcher, cache, docnum):
    """[(docnum, similarity / the best one's)] of the NEIGHBOUR_K nearest cases of a case: the
    BM25 search of its title's plan (the same words, readings and related words as a typed
    query).  Computed when the case is first a best hit and kept with the searcher."""
    memo = cache.setdefault("neighbours", {}) if cache is not None else {}
    key = (docnum, NEIGHBOUR_K, NEIGHBOUR_TERMS, NEIGHBOUR_BUDGET)
    if key not in memo:
        title = searcher.stored_fields(docnum).get("title", "")
        plan = planning.make_plan(searcher, title, NEIGHBOUR_TERMS, cache)
        clauses, cost = [], 0
        for term, _, boost in plan.terms:  # within a budget of postings, like a query's terms
            df = searcher.doc_frequency(SEARCH_FIELD, term)
            if cost + df <= NEIGHBOUR_BUDGET:
                cost += df
                clauses += [wq.Term(SEARCH_FIELD, term, boost=boost), wq.Term(TITLE_FIELD, term, boost=boost)]
                continue
            df = searcher.doc_frequency(TITLE_FIELD, term)  # too common in the texts: the titles only
            if cost + df <= NEIGHBOUR_BUDGET:
                cost += df
                clauses.append(wq.Term(TITLE_FIELD, term, boost=boost))
        res = searcher.search(wq.Or(clauses), limit=NEIGHBOUR_K + 1) if clauses else []
        rows = [(r.docnum, float(r.score or 0.0)) for r in res if r.docnum != docnum][:NEIGHBOUR_K]
        best = max((s for _, s in rows), default=0.0) or 1.0
        if len(memo) >= NEIGHBOUR_CACHE:
            memo.clear()
        memo[key] = [(d, s / best) for d, s in rows]
    return memo[key]


def _neighbour_bonus(searcher, cache, ranked, allowed):
    """Document feedback: (ranked, docnums added) where each of the NEIGHBOUR_DOCS best cases
    gives its nearest cases NEIGHBOUR_WEIGHT x its score / the best score x their similarity,
    so the cases on the same theme written in other words (the partial answers) come up
    below the direct matches; a neighbour the query did not find is listed with the bonus
    alone (within the filter)."""
    top = ranked[0][1] or 1.0
    bonus: dict = {}
    for d, s in ranked[:NEIGHBOUR_DOCS]:
        for n, sim in _neighbours(searcher, cache, d):
            if allowed is None or allowed >> n & 1:
                bonus[n] = bonus.get(n, 0.0) + NEIGHBOUR_WEIGHT * (s / top) * sim
    have = {d for d, _ in ranked}
    out = [(d, s / top + bonus.get(d, 0.0)) for d, s in ranked]
    near = {n for n in bonus if n not in have}
    out += [(n, bonus[n]) for n in sorted(near)]
    out.sort(key=lambda x: (-x[1], x[0]))
    return out, near


def matching(sets, terms) -> int:
    """Every document the OR of ``terms`` matches: the union of their postings in the
    combined field and the title field (what the query's matcher would visit), as a bitmap."""
    return sets.any_of((SEARCH_FIELD, TITLE_FIELD), terms)
