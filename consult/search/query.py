"""Searching the case index: query building, ranking, snippets, facets, suggestions.

Queries never go through Whoosh's query language: the text is analysed like the documents,
so syntax characters and unbalanced quotes are plain text and nothing raises.  Long texts
(a whole ticket) are reduced to their most specific terms so they stay fast.
"""

from __future__ import annotations

import html
import math
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache, partial

from whoosh import query as wq
from whoosh import sorting
from whoosh.reading import TermNotFound

from .index import FACET_FIELDS, get_searcher

__all__ = ["Hit", "SearchResult", "search", "suggest", "similar", "query_terms",
           "MAX_TERMS", "MIN_COVERAGE", "RELATIVE_CUTOFF"]

MAX_QUERY_CHARS = 2000   # longer input is cut (a ticket is far shorter)
MAX_TERMS = 12           # most specific terms kept from a long query
MIN_COVERAGE = 0.35      # suggest(): share of the query's weight a case must match
RELATIVE_CUTOFF = 0.45   # suggest(): minimum score relative to the best hit
SEARCH_FIELD = "text"     # title + keywords + body (see index.make_schema)
TITLE_FIELD = "title"     # small; a match there lifts a case
SORTS = {"newest": "published_at", "helpful": "helpful_count", "hours": "hours_saved"}
SNIPPET_CHARS = 120
FUZZY_FACTOR = 0.7       # weight of a near term standing in for an unknown one
FEEDBACK_DOCS = 1        # relevance: the title of the best case adds related words ...
FEEDBACK_WEIGHT = 0.3    # ... at this weight (finds cases on the same theme in other words)
FEEDBACK_TERMS = 6
FEEDBACK_MAX_TERMS = 4   # only short queries get feedback (long ones have words enough)
POSTINGS_BUDGET = 3000   # at most this many postings are scored per query (speed) ...
MIN_TERMS = 2            # ... but the most specific terms are always kept


class Hit:
    """One result row.  ``snippet_html`` is computed on first access (the batch CLI and the
    suggestion threshold never need it, and it costs a morphological analysis of the body)."""

    __slots__ = ("ref", "title", "department", "score", "coverage", "fields", "_snippet")

    def __init__(self, ref, title, department, snippet_html="", score=0.0, coverage=0.0,
                 fields=None):
        self.ref, self.title, self.department = ref, title, department
        self.score, self.coverage, self.fields = score, coverage, fields or {}
        self._snippet = snippet_html

    @property
    def snippet_html(self) -> str:
        if callable(self._snippet):
            self._snippet = self._snippet()
        return self._snippet

    def __repr__(self):
        return f"Hit(ref={self.ref!r}, title={self.title!r}, score={self.score:.3f}, " \
               f"coverage={self.coverage:.2f})"


@dataclass
class SearchResult:
    """A page of results: ``hits``, ``total`` matches, ``facets`` {field: [(value, n)]}."""
    hits: list
    total: int
    facets: dict
    page: int = 1
    terms: list = field(default_factory=list)


# --------------------------------------------------------------------------- terms


def query_terms(searcher, text: str, max_terms: int = MAX_TERMS):
    """Analyse ``text`` and keep its most specific terms.

    Returns (selected [(term, weight)], total weight of all distinct terms).  The weight of a
    term is its inverse document frequency; terms that no case contains still count in the
    total (so off-topic queries get a low coverage) but are not searched."""
    selected, total = _select_terms(searcher, text, max_terms)
    return [(t, w) for t, w, _ in selected], total


def _select_terms(searcher, text: str, max_terms: int):
    """(selected [(term, weight, boost)], total weight): ``boost`` scales the term's score
    (more for a term the text repeats, less for a near term standing in for an unknown one)."""
    analyzer = searcher.schema[SEARCH_FIELD].analyzer
    counts = Counter(t.text for t in analyzer((text or "")[:MAX_QUERY_CHARS], mode="query"))
    n = max(1, searcher.doc_count())
    scored, total = [], 0.0
    for term, tf in counts.items():
        df = searcher.doc_frequency(SEARCH_FIELD, term)
        idf = math.log((n + 1) / (df + 0.5))
        weight = max(idf, 0.05)
        total += weight
        if df:
            boost = 1 + 0.3 * math.log(tf)
            scored.append((weight * boost, term, weight, boost))
        elif len(term) >= 3 and not term.isdigit():
            for alt in _near_terms(searcher, term):
                scored.append((weight * FUZZY_FACTOR, alt, weight * FUZZY_FACTOR, FUZZY_FACTOR))
    scored.sort(key=lambda x: (-x[0], x[1]))
    seen, out, cost = set(), [], 0
    for _, term, w, boost in scored:
        if term in seen or len(out) >= max_terms:
            continue
        df = searcher.doc_frequency(SEARCH_FIELD, term)
        if len(out) >= MIN_TERMS and cost + df > POSTINGS_BUDGET:
            continue  # a common word: costly to score, adds little to the ranking
        seen.add(term)
        cost += df
        out.append((term, w, boost))
    return out, total


def _near_terms(searcher, term: str, limit: int = 4) -> list:
    """Indexed terms close to an unknown term: longer words it begins (クロノロ ->
    クロノロジ) and words one edit away (a typo such as チャットボッド)."""
    reader = searcher.reader()
    found: list = []
    try:
        for t in reader.expand_prefix(SEARCH_FIELD, term):
            t = t.decode("utf-8") if isinstance(t, bytes) else t
            if t not in found:
                found.append(t)
            if len(found) >= limit:
                return found
        if len(term) >= 4:
            for t in reader.terms_within(SEARCH_FIELD, term, 1, prefix=1):
                if t not in found:
                    found.append(t)
    except KeyError:
        pass
    return found[:limit]


def _build(terms) -> wq.Query:
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


def _coverage(searcher, docnums, weights, total_weight) -> dict:
    """docnum -> share of the query's weight that the case contains, read from the postings
    (no re-analysis of stored text, no ``terms=True`` which would disable Whoosh's top-N
    shortcuts)."""
    got = dict.fromkeys(docnums, 0.0)
    if not got or not total_weight:
        return got
    order = sorted(got)
    for term, w in weights.items():
        try:
            m = searcher.postings(SEARCH_FIELD, term)
        except TermNotFound:
            continue
        for d in order:
            if not m.is_active():
                break
            if m.id() < d:
                m.skip_to(d)
                if not m.is_active():
                    break
            if m.id() == d:
                got[d] += w
    return {d: min(v / total_weight, 1.0) for d, v in got.items()}


def _filter_query(filters):
    parts = []
    for name, value in (filters or {}).items():
        if value in (None, "", [], ()):
            continue
        values = value if isinstance(value, (list, tuple, set)) else [value]
        parts.append(wq.Or([wq.Term(name, str(v)) for v in values]))
    return wq.And(parts) if parts else None


# --------------------------------------------------------------------------- snippets


@lru_cache(maxsize=2048)
def _cached_units(analyzer, text: str):
    return tuple(analyzer.units(text))


def _units(analyzer, text: str):
    if hasattr(analyzer, "units"):
        return _cached_units(analyzer, text)
    return [(t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True)]


def snippet_html(analyzer, text: str, terms, width: int = SNIPPET_CHARS) -> str:
    """HTML snippet of ``text`` around the densest group of ``terms``, marked with <mark>;
    everything else is HTML-escaped."""
    text = text or ""
    wanted = set(terms)
    spans = sorted({(b, e) for t, b, e in _units(analyzer, text) if t in wanted})
    merged = []
    for b, e in spans:
        if merged and b <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([b, e])
    start = 0
    if merged:
        best, best_n = merged[0][0], 0
        for i, (b, _) in enumerate(merged):
            n = sum(1 for x, y in merged[i:] if y <= b + width)
            if n > best_n:
                best, best_n = b, n
        start = max(0, best - width // 6)
        nl = text.rfind("\n", start, best)
        if nl >= 0:
            start = nl + 1
    end = min(len(text), start + width)
    out, pos = [], start
    for b, e in merged:
        if e <= start or b >= end:
            continue
        b, e = max(b, start), min(e, end)
        out.append(html.escape(text[pos:b]))
        out.append("<mark>" + html.escape(text[b:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    body = "".join(out).replace("\n", " ")
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def _hit(searcher, h, terms, coverage, score) -> Hit:
    stored = h.fields()
    analyzer = searcher.schema[SEARCH_FIELD].analyzer
    return Hit(ref=stored.get("ref", ""), title=stored.get("title", ""),
               department=stored.get("department", ""),
               snippet_html=partial(snippet_html, analyzer, stored.get("body", ""), terms),
               score=score, coverage=round(coverage.get(h.docnum, 0.0), 4),
               fields=stored)


# --------------------------------------------------------------------------- facets


def _facet_table(searcher, cache, name):
    """docnum -> list of values for one facet field, built once per searcher."""
    table = cache.get(name)
    if table is None:
        table = {}
        reader = searcher.reader()
        if name in searcher.schema:
            for value in reader.lexicon(name):
                label = value.decode("utf-8") if isinstance(value, bytes) else value
                for doc in reader.postings(name, value).all_ids():
                    table.setdefault(doc, []).append(label)
        cache[name] = table
    return table


def _facets(searcher, cache, docnums, fields):
    out = {}
    for name in fields:
        table = _facet_table(searcher, cache, name)
        counts = Counter(v for d in docnums for v in table.get(d, ()))
        out[name] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return out


# --------------------------------------------------------------------------- API


def search(ix, text: str, limit: int = 10, filters=None, sort: str = "relevance",
           page: int = 1, facets=True, max_terms: int = MAX_TERMS) -> SearchResult:
    """Search published cases.

    ``filters`` maps facet fields to a value or list of values; ``sort`` is ``relevance``,
    ``newest``, ``helpful`` or ``hours``; ``facets`` is True (all of FACET_FIELDS), False or a
    list of fields.  An empty text lists every case (newest first unless sorted otherwise)."""
    searcher, cache = get_searcher(ix)
    limit = max(1, min(int(limit or 10), 200))
    page = max(1, int(page or 1))
    terms, total_weight = _select_terms(searcher, text, max_terms)
    weights = {t: w for t, w, _ in terms}
    if (text or "").strip():
        q = _build(terms)
    else:
        q = wq.Every()
        if sort == "relevance":
            sort = "newest"
    flt = _filter_query(filters)
    kwargs = {"filter": flt, "limit": page * limit}
    if sort in SORTS:
        kwargs["sortedby"] = sorting.FieldFacet(SORTS[sort], reverse=True)
    if q is wq.NullQuery:
        return SearchResult([], 0, {f: [] for f in _facet_names(facets)}, page, [])
    results = searcher.search(q, **kwargs)
    if (sort not in SORTS and FEEDBACK_DOCS and FEEDBACK_WEIGHT > 0
            and len(terms) <= FEEDBACK_MAX_TERMS):
        extra = _feedback_terms(searcher, results, weights,
                                POSTINGS_BUDGET - sum(searcher.doc_frequency(SEARCH_FIELD, t)
                                                      for t, _, _ in terms))
        if extra:
            q = _build(terms + extra)
            results = searcher.search(q, **kwargs)
    # Not list(results): it calls len(), which counts every match (twice the work).
    rows = [r for i, r in enumerate(results) if i >= (page - 1) * limit]
    coverage = _coverage(searcher, [r.docnum for r in rows], weights, total_weight)
    scores = {r.docnum: float(r.score or 0.0) for r in rows}
    hits = [_hit(searcher, h, list(weights), coverage, scores[h.docnum]) for h in rows]
    names = _facet_names(facets)
    if names:
        docs = set(searcher.docs_for_query(q))
        if flt is not None:
            docs &= set(searcher.docs_for_query(flt))
        total, fac = len(docs), _facets(searcher, cache, docs, names)
    else:
        total, fac = results.estimated_length(), {}
    return SearchResult(hits, total, fac, page, list(weights))


def _facet_names(facets):
    if facets is True:
        return list(FACET_FIELDS)
    return list(facets or [])


def suggest(ix, text: str, limit: int = 5, filters=None, min_coverage: float = MIN_COVERAGE,
            relative: float = RELATIVE_CUTOFF) -> list:
    """Best cases for a ticket text, only those close enough: a case must match at least
    ``min_coverage`` of the query's term weight and score at least ``relative`` times the
    best case.  Off-topic text returns an empty list."""
    res = search(ix, text, limit=limit, filters=filters, facets=False)
    if not res.hits:
        return []
    top = res.hits[0].score
    return [h for h in res.hits if h.coverage >= min_coverage and h.score >= relative * top]


def similar(ix, ref: str, limit: int = 5) -> list:
    """Cases similar to case ``ref`` (itself excluded), best first."""
    searcher, _ = get_searcher(ix)
    docnum = searcher.document_number(ref=str(ref))
    if docnum is None:
        return []
    stored = searcher.stored_fields(docnum)
    text = "\n".join([stored.get("title", "")] * 2 + [stored.get("body", "")])
    res = search(ix, text, limit=limit + 1, facets=False, max_terms=MAX_TERMS + 4)
    return [h for h in res.hits if h.ref != str(ref)][:limit]
