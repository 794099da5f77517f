"""Searching the case index: query building, ranking, facets, suggestions (snippets: snippets.py).

Queries never go through Whoosh's query language: the text is analysed like the documents,
so syntax characters and unbalanced quotes are plain text and nothing raises.  Long texts
(a whole ticket) are reduced to their most specific terms so they stay fast.
"""

from __future__ import annotations

import math
import re
from collections import Counter, OrderedDict
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
from whoosh import query as wq

from . import readings, semantic, vectors
from .docsets import bits_to_ids, docsets, ids_to_bits
from .index import FACET_FIELDS, get_searcher
from .snippets import snippet_html
from .snippets import units as _units
from .state import search_state

__all__ = ["Hit", "SearchResult", "search", "suggest", "similar", "query_terms",
           "MAX_TERMS", "MIN_COVERAGE", "RELATIVE_CUTOFF"]

MAX_QUERY_CHARS = 2000   # longer input is cut (a ticket is far shorter)
MAX_TERMS = 12           # most specific terms kept from a long query
MIN_COVERAGE = 0.35      # suggest(): share of the query's weight a case must match ...
STAFF_MIN_COVERAGE = 0.25  # ... on the staff ticket panel, which may show weaker candidates
UNKNOWN_WEIGHT = 0.5     # ... where words no case contains count at this share of their idf
MIN_MATCHED = 2          # suggest(): a case must contain this many of the query's words ...
COVERAGE_WORDS = 8       # coverage: share of the query's heaviest words (0: all words)
LONG_QUERY_WORDS = 5     # ... and one more when the query has at least this many words
RELATIVE_CUTOFF = 0.45   # suggest(): minimum score relative to the best hit
SEARCH_FIELD = "text"     # title + keywords + body (see index.make_schema)
TITLE_FIELD = "title"     # small; a match there lifts a case
SORTS = {"newest": "published_at", "helpful": "helpful_count", "hours": "hours_saved"}
FUZZY_FACTOR = 0.7       # weight of a near term standing in for an unknown one
READING_FACTOR = 0.8     # weight of an indexed word found through its reading (kana, 清算)
SYNGROUP_SIMILARITY = 1.0  # SudachiDict synonym groups: treated as related words of this similarity
RELATED_MAX_DF = 50      # related words (groups, vectors) only for query words in at most
RELATED_MAX_SHARE = 0.005  # ... this many cases or this share of them, whichever is larger
VECTOR_FACTOR = 0.5      # weight of a related word (word vectors) times its similarity ...
VECTOR_PER_WORD = 3      # ... at most this many per query word ...
VECTOR_CANDIDATES = 80   # ... chosen among this many related words of the vectors
FEEDBACK_DOCS = 1        # relevance: the title of the best case adds related words ...
FEEDBACK_WEIGHT = 0.3    # ... at this weight (finds cases on the same theme in other words)
FEEDBACK_TERMS = 6
FEEDBACK_ONLY_DROP = True  # cases found only through the feedback words are not listed
FEEDBACK_MAX_TERMS = 4   # only short queries get feedback (long ones have words enough)
POSTINGS_BUDGET = 3000   # at most this many postings are scored per query (speed) ...
MIN_TERMS = 2            # ... but the most specific terms are always kept


class Hit:
    """One result row.  ``snippet_html`` is computed on first access (the batch CLI and the
    suggestion threshold never need it, and it costs a morphological analysis of the body);
    so are ``coverage`` (share of the query's weight the case contains) and ``matched``
    (how many of the query's words it contains), for all hits of the page at once."""

    __slots__ = ("ref", "title", "department", "score", "fields", "docnum", "_snippet",
                 "_cover", "soft")

    def __init__(self, ref, title, department, snippet_html="", score=0.0, coverage=0.0,
                 fields=None, matched=0, docnum=None):
        self.ref, self.title, self.department = ref, title, department
        self.score, self.fields, self.docnum = score, fields or {}, docnum
        self._snippet = snippet_html
        self.soft = 0.0  # soft score (semantic.py), 0 when it was not computed
        self._cover = coverage if callable(coverage) else (coverage, matched)

    @property
    def snippet_html(self) -> str:
        if callable(self._snippet):
            self._snippet = self._snippet()
        return self._snippet

    def _covered(self) -> tuple:
        if callable(self._cover):
            self._cover = self._cover(self.docnum)
        return self._cover

    @property
    def coverage(self) -> float:
        return self._covered()[0]

    @property
    def matched(self) -> int:
        return self._covered()[1]

    # What a result row shows, so that pages never read the index's stored fields themselves.

    @property
    def resolution_type(self) -> str:
        """解決方法の種類."""
        return self.fields.get("resolution_type") or ""

    @property
    def category(self) -> str:
        """分類."""
        return self.fields.get("category") or ""

    @property
    def published_at(self):
        """When the case was published (naive UTC), or None."""
        return self.fields.get("published_at")

    @property
    def hours_saved(self) -> int | None:
        """年間削減時間, None when the case does not say."""
        known = (self.fields.get("meta") or {}).get("hours_known")
        return self.fields.get("hours_saved") if known else None

    @property
    def helpful_count(self) -> int:
        """「役に立った」 count."""
        return self.fields.get("helpful_count") or 0

    @property
    def tools(self) -> list[str]:
        """Tools named by the case."""
        return [t for t in (self.fields.get("tools") or "").split(",") if t]

    @property
    def tags(self) -> list[str]:
        """Tags of the case."""
        return [t for t in (self.fields.get("tags") or "").split(",") if t]

    def __repr__(self):
        return f"Hit(ref={self.ref!r}, title={self.title!r}, score={self.score:.3f}, " \
               f"coverage={self.coverage:.2f}, matched={self.matched})"


@dataclass
class SearchResult:
    """A page of results: ``hits``, ``total`` matches, ``facets`` {field: [(value, n)]}, the
    searched ``terms`` and the number of ``words`` of the query."""
    hits: list
    total: int
    facets: dict
    page: int = 1
    terms: list = field(default_factory=list)
    words: int = 0  # how many distinct words the query text has (see suggest())


# --------------------------------------------------------------------------- terms


def query_terms(searcher, text: str, max_terms: int = MAX_TERMS):
    """Analyse ``text`` and keep its most specific terms.

    Returns (selected [(term, weight)], coverage denominator).  The weight of a term is its
    inverse document frequency.  The denominator sums the query's words (a compound and its
    parts, or a word and its reading, count once); words that no case contains count at
    ``UNKNOWN_WEIGHT`` of their weight and are not searched."""
    plan = _plan(searcher, text, max_terms)
    return [(t, w) for t, w, _ in plan.terms], plan.total


def _select_terms(searcher, text: str, max_terms: int):
    """(selected [(term, weight, boost)], coverage denominator)."""
    plan = _plan(searcher, text, max_terms)
    return plan.terms, plan.total


@dataclass
class _Plan:
    """What a query text becomes: ``terms`` [(term, weight, boost)] to search (``boost``
    scales the score: more for a term the text repeats, less for a near term standing in for
    an unknown one); ``words`` [{term: credit}], one per word of the text (a compound with
    its parts, a Latin word with its reading), for coverage; ``total`` the coverage
    denominator."""
    terms: list
    words: list
    total: float
    weak: frozenset = frozenset()  # related words (vectors): they add to coverage, but a
                                    # word found only through them does not count as matched
    soft: tuple = ()  # (term, document frequency) of the text's own words, for soft matching


def _query_units(analyzer, text: str):
    if hasattr(analyzer, "units"):
        return analyzer.units(text, mode="query")
    return [(t.text, t.startchar, t.endchar)
            for t in analyzer(text, mode="query", chars=True)]


def _plan(searcher, text: str, max_terms: int, cache=None) -> _Plan:
    analyzer = searcher.schema[SEARCH_FIELD].analyzer
    text = (text or "")[:MAX_QUERY_CHARS]
    units = _query_units(analyzer, text)
    units, read_groups = _kana_readings(searcher, cache, text, units)
    counts = Counter(t for t, _, _ in units)
    n = max(1, searcher.doc_count())
    df = {t: searcher.doc_frequency(SEARCH_FIELD, t) for t in counts}
    idf = {t: max(math.log((n + 1) / (d + 0.5)), 0.05) for t, d in df.items()}
    near: dict = {}
    near_factor: dict = {}
    vector_alts: set = set()
    scored = []
    rmap = None
    for term, tf in counts.items():
        weight = idf[term]
        if df[term]:
            boost = 1 + 0.3 * math.log(tf)
            scored.append((weight * boost, term, weight, boost))
            continue
        alts = []
        if len(term) >= 3 and not term.isdigit():
            alts = [(a, FUZZY_FACTOR) for a in _near_terms(searcher, term)]
        if READING_FACTOR and len(term) >= 2 and _HAS_KANJI.search(term):
            # a mis-conversion (清算 for 精算): indexed words with the same reading
            if rmap is None:
                rmap = readings.reading_map(searcher, cache if cache is not None else {}, SEARCH_FIELD)
            alts += [(a, READING_FACTOR) for a in readings.homophones(rmap, term)[:3]
                     if a not in dict(alts)]
        for alt, f in alts:
            near.setdefault(term, []).append(alt)
            near_factor[(term, alt)] = f
            scored.append((weight * f, alt, weight * f, f))
    # Kana runs read as indexed words (READING_FACTOR) and the desk's synonym groups
    # (SYNONYM_FACTOR): one word each.
    extra = [(h, a, READING_FACTOR) for h, a in read_groups]
    extra += [(h, a, SYNONYM_FACTOR) for h, a in _vocabulary_groups(searcher, text, counts)]
    for k, (head, alts, factor) in enumerate(extra):
        dfs = {a: searcher.doc_frequency(SEARCH_FIELD, a) for a in alts}
        df[head] = 0
        idf[head] = max(max(math.log((n + 1) / (d + 0.5)), 0.05) for d in dfs.values())
        units.append((head, -2 - k, -2 - k))  # a span of its own: one word each
        for alt in alts:
            near.setdefault(head, []).append(alt)
            near_factor[(head, alt)] = factor
            scored.append((idf[head] * factor, alt, idf[head] * factor, factor))
    groups = _group(units)
    for members in groups.values():
        alts = _vector_terms(searcher, cache, members, counts, df, n)
        for t, alt, factor, from_dictionary in alts:
            if alt in near.get(t, ()):
                continue  # already there through its reading or spelling, at a higher weight
            if not from_dictionary:
                vector_alts.add(alt)  # only the vectors' guesses are weak, not SudachiDict's groups
            near.setdefault(t, []).append(alt)
            near_factor[(t, alt)] = factor
            scored.append((idf[t] * factor, alt, idf[t] * factor, factor))
    scored.sort(key=lambda x: (-x[0], x[1]))
    word_of: dict = {}
    for head, members in groups.items():
        for t in members:
            word_of.setdefault(t, head)
            for alt in near.get(t, ()):
                word_of.setdefault(alt, head)
    seen, out, cost, kept_words = set(), [], 0, set()
    for _, term, w, boost in scored:
        if term in seen or len(out) >= max_terms:
            continue
        d = df[term] if term in df and df[term] else searcher.doc_frequency(SEARCH_FIELD, term)
        word = word_of.get(term, term)
        # The best term of each of the MIN_TERMS most specific words is always searched
        # (not two parts of one compound: 電子申請 + 電子 left 補助金 out); any other term
        # only within the budget.
        free = word not in kept_words and len(kept_words) < MIN_TERMS
        if not free and cost + d > POSTINGS_BUDGET:
            continue  # a common word: costly to score, adds little to the ranking
        seen.add(term)
        kept_words.add(word)
        cost += d
        out.append((term, w, boost))
    words, total = _words(groups, df, idf, near, near_factor)
    strong = {alt for (t, alt) in near_factor if near_factor[(t, alt)] in (FUZZY_FACTOR, READING_FACTOR, SYNONYM_FACTOR)}
    weak = frozenset(vector_alts - strong - set(counts))
    soft = tuple((t, df.get(t, 0)) for t in counts if not t.startswith(("\x00", "\x01")))
    return _Plan(out, words, total, weak, soft)


# --------------------------------------------------------------------------- vocabulary

SYNONYM_FACTOR = 0.9     # weight of a word of a desk-added synonym group (検索語の辞書)


def set_vocabulary(groups, version) -> None:
    """Synonym groups added by the desk (lists of words), applied at query time: a query
    containing one word of a group also searches the others' indexed terms, weighted at
    SYNONYM_FACTOR.  ``version`` is part of every cached answer's key."""
    from .analysis import normalize

    prepared = []
    for words in groups:
        words = [w.strip() for w in words if w and w.strip()]
        if len(words) >= 2:
            prepared.append(tuple((normalize(w), w) for w in words))
    search_state.vocabulary.update(version=version, groups=tuple(prepared))


def vocabulary_version():
    return search_state.vocabulary["version"]


def _vocabulary_groups(searcher, text, counts):
    """[(head, [indexed terms])] for the desk's synonym groups that the text mentions."""
    if not search_state.vocabulary["groups"]:
        return []
    from .analysis import normalize

    analyzer = searcher.schema[SEARCH_FIELD].analyzer
    norm = normalize(text)
    out = []
    for gi, group in enumerate(search_state.vocabulary["groups"]):
        present = [w for nw, w in group if nw and nw in norm]
        if not present:
            continue
        for nw, w in group:
            if w in present:
                continue
            terms = [t for t, _, _ in _query_units(analyzer, w)]
            terms = [t for t in dict.fromkeys(terms) if t not in counts
                     and searcher.doc_frequency(SEARCH_FIELD, t)]
            if terms:
                out.append((f"\x01{gi}:{nw}", terms[:3]))
    return out


_KANA_WORD = re.compile(r"(?<![\u3400-\u9fff々\u3041-\u3096\u30a1-\u30faー])[\u3041-\u3096\u30a1-\u30faー]{2,}")
_HAS_KANJI = re.compile(r"[\u3400-\u9fff々]")


def _kana_readings(searcher, cache, text, units):
    """(units, [(head, indexed words)]): a kana run of the query (not okurigana: it does not
    follow a kanji) that the readings of indexed words spell exactly (でんしけっさい ->
    電子 + 決裁) replaces Sudachi's pieces of it, unless one of them is itself an indexed
    word covering the whole run."""
    if not READING_FACTOR:
        return units, []
    groups = []
    for m in _KANA_WORD.finditer(text):
        b, e = m.start(), m.end()
        inside = [u for u in units if b <= u[1] and u[2] <= e]
        if any(u[1] == b and u[2] == e and searcher.doc_frequency(SEARCH_FIELD, u[0]) for u in inside):
            continue  # the run is an indexed word as it is (ピボット, しゅっちょう -> 出張)
        rmap = readings.reading_map(searcher, cache if cache is not None else {}, SEARCH_FIELD)
        pieces = readings.kana_words(rmap, m.group())
        if not pieces:
            continue
        units = [u for u in units if not (b <= u[1] and u[2] <= e)]
        for i, words in enumerate(pieces):
            groups.append((f"\x00{b}:{i}", words[:3]))
    return units, groups


def _indexed_related(searcher, cache, term):
    """[(word, similarity, df)] of the related words of ``term`` that this index contains,
    kept with the searcher (a keyword query repeats the same few words all day)."""
    memo = cache.setdefault("related", {}) if cache is not None else {}
    got = memo.get(term)
    if got is None:
        got = []
        for alt, sim in vectors.related(term)[:VECTOR_CANDIDATES]:
            d = searcher.doc_frequency(SEARCH_FIELD, alt)
            if d:
                got.append((alt, sim, d))
        if len(memo) > 50_000:
            memo.clear()
        memo[term] = got
    return got


def _vector_terms(searcher, cache, members, counts, df, n):
    """[(query term, indexed related word, factor)]: words that the shipped word vectors
    place with a term of this word (vectors.related), present in the index and not in the
    query, best VECTOR_PER_WORD by similarity; factor = VECTOR_FACTOR x similarity."""
    if VECTOR_FACTOR <= 0:
        return []
    # A word found in many cases needs no help, and its neighbours would only add postings
    # to score (speed at scale): related words only for words of at most RELATED_MAX_DF cases.
    limit = max(RELATED_MAX_DF, RELATED_MAX_SHARE * n)
    members = [t for t in members if df.get(t, 0) <= limit]
    best: dict = {}
    for t in members:
        for alt, sim, d in _indexed_related(searcher, cache, t):
            if alt in counts or alt in best and best[alt][1] >= sim:
                continue
            best[alt] = (t, sim, d)
    curated: set = set()
    if SYNGROUP_SIMILARITY:
        gmap = readings.group_map(searcher, cache if cache is not None else {}, SEARCH_FIELD)
        for t in members:
            for alt in readings.same_group(gmap, t):
                if alt not in counts:
                    curated.add(alt)
                    if alt not in best or best[alt][1] < SYNGROUP_SIMILARITY:
                        best[alt] = (t, SYNGROUP_SIMILARITY, searcher.doc_frequency(SEARCH_FIELD, alt))
    ranked = sorted(best.items(), key=lambda x: (-x[1][1], x[1][2], x[0]))[:VECTOR_PER_WORD]
    # A related word weighs no more than itself: an unknown query word (df 0, the largest idf)
    # must not lend its weight to a common word that happens to be its neighbour.
    out = []
    for alt, (t, sim, d) in ranked:
        own = max(math.log((n + 1) / (d + 0.5)), 0.05)
        out.append((t, alt, VECTOR_FACTOR * sim * min(1.0, own / max(df_idf(t, df, n), 1e-9)),
                    alt in curated))
    return out


def df_idf(term, df, n):
    return max(math.log((n + 1) / (df.get(term, 0) + 0.5)), 0.05)


def _group(units) -> dict:
    """head term -> set of terms: a unit inside the span of the one before (the parts of a
    compound, the reading of a Latin word) belongs to the same word; a repeated word is one."""
    groups: dict = {}
    span = None
    for term, b, e in units:
        if span is not None and span[0] <= b and e <= span[1]:
            groups[span[2]].add(term)
        else:
            span = (b, e, term)
            groups.setdefault(term, set()).add(term)
    return groups


def _words(groups, df, idf, near, near_factor=None):
    """Weigh the query's words (see ``_group``) for coverage.

    A word is worth the idf of its best unit; a case containing any of its units gets that
    unit's credit.  The part of a word's weight that no case can match (a word, or the part
    of a compound, that no case contains) counts at ``UNKNOWN_WEIGHT`` in the denominator."""
    words, weights = [], []
    for members in groups.values():
        credit: dict = {}
        full = max(idf[t] for t in members)
        for t in members:
            if df[t]:
                credit[t] = max(credit.get(t, 0.0), idf[t])
            for alt in near.get(t, ()):
                f = (near_factor or {}).get((t, alt), FUZZY_FACTOR)
                credit[alt] = max(credit.get(alt, 0.0), idf[t] * f)
        known = max(credit.values(), default=0.0)
        weights.append(known + UNKNOWN_WEIGHT * max(full - known, 0.0))
        words.append(credit)
    # A long text (a whole intake form) has many words that say nothing about its topic: the
    # share is taken of its COVERAGE_WORDS heaviest words, so adding sentences to a text does
    # not make every case fall below the threshold.
    if COVERAGE_WORDS:
        weights = sorted(weights, reverse=True)[:COVERAGE_WORDS]
    total = sum(weights)
    return words, total


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


def _coverage(sets, docnums, plan: _Plan) -> dict:
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


def _lazy_coverage(sets, docnums, plan: _Plan):
    """docnum -> (coverage, matched), computed for all the page's hits at the first call."""
    memo: dict = {}

    def get(docnum):
        if not memo:
            memo.update(_coverage(sets, docnums, plan))
        return memo.get(docnum, (0.0, 0))
    return get


def _hit(searcher, docnum, stored, terms, coverage, score) -> Hit:
    analyzer = searcher.schema[SEARCH_FIELD].analyzer
    return Hit(ref=stored.get("ref", ""), title=stored.get("title", ""),
               department=stored.get("department", ""),
               snippet_html=partial(snippet_html, analyzer, stored.get("body", ""), terms),
               score=score, coverage=coverage, fields=stored, docnum=docnum)


# --------------------------------------------------------------------------- API


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
    limit = max(1, min(int(limit or 10), 200))
    page = max(1, int(page or 1))
    names = _facet_names(facets)
    plan = _plan(searcher, text, max_terms, cache)
    terms = plan.terms
    weights = {t: w for t, w, _ in terms}
    sets = docsets(searcher, cache)
    if (text or "").strip():
        if not terms and (sort in SORTS or len(plan.words) < SOFT_ONLY_WORDS):
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
        matched = sets.live() if searched is None else _matching(sets, searched)
        if allowed is not None:
            matched &= allowed
        rows = sets.top(matched, SORTS[sort], (page - 1) * limit, page * limit)
        coverage = _lazy_coverage(sets, [d for d, _ in rows], plan)
        # Whoosh gives a sorted hit its sort key as the score: kept as it was.
        hits = [_hit(searcher, d, searcher.stored_fields(d), list(weights), coverage, float(key))
                for d, key in rows]
        total = matched.bit_count()
    else:
        hits, searched, estimate, only_soft, exact = _relevance(searcher, cache, sets, terms, plan,
                                                                weights, allowed, limit, page, soft)
        if names or estimate is None:
            matched = _matching(sets, searched) | only_soft
            if allowed is not None:
                matched &= allowed
            if exact is not None:  # the listed cases only
                matched = ids_to_bits([h.docnum for h in hits], sets.size) if hits else 0
            total = matched.bit_count()
        else:
            total = estimate if exact is None else exact
    fac = sets.count(matched, names) if names else {}
    return SearchResult(hits, total, fac, page, list(weights), len(plan.words))


def _relevance(searcher, cache, sets, terms, plan, weights, allowed, limit, page, soft_ok=True):
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
    depth = max(page * limit, SOFT_DEPTH) if may_soft else page * limit
    kwargs = {"filter": set(bits_to_ids(allowed)) if allowed is not None else None,
              "limit": depth}
    q = _build(terms)
    results = searcher.search(q, **kwargs)
    if FEEDBACK_DOCS and FEEDBACK_WEIGHT > 0 and len(terms) <= FEEDBACK_MAX_TERMS:
        extra = _feedback_terms(searcher, results, weights,
                                POSTINGS_BUDGET - sum(searcher.doc_frequency(SEARCH_FIELD, t)
                                                      for t, _, _ in terms))
        if extra:
            q = _build(terms + extra)
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
    if soft is None:
        # Not list(results): it calls len(), which counts every match (twice the work).
        rows = [(r.docnum, float(r.score or 0.0)) for i, r in enumerate(results)
                if (page - 1) * limit <= i < page * limit]
        estimate = results.estimated_length()
    else:
        rows, only_soft = _fuse(results, soft, weight, len(plan.words), page, limit)
        estimate = None
    coverage = _lazy_coverage(sets, [d for d, _ in rows], plan)
    hits = [_hit(searcher, d, searcher.stored_fields(d), list(weights), coverage, score)
            for d, score in rows]
    if soft is not None:
        for h in hits:
            h.soft = float(soft[h.docnum])
    if FEEDBACK_ONLY_DROP and len(searched) > len(terms):
        # A case that only the feedback words found shares no word with the query (a whole
        # text may list such a case when it is close by soft matching).
        whole = len(plan.words) >= SOFT_ONLY_WORDS
        kept = [h for h in hits if h.matched or (whole and h.soft > 0)]
        if len(kept) < len(hits) and len(rows) < limit:
            # Every match was on this page: the total is what is listed (旅費 used to say
            # 3 cases and list none).
            exact = (page - 1) * limit + len(kept)
        hits = kept
    return hits, searched, estimate, only_soft, exact


SOFT_WEIGHT = 1.0        # soft score (semantic.py), relative to BM25 divided by the best BM25
SOFT_COVER_POWER = 1.0   # ... times (1 - coverage of the best BM25 case) to this power
SOFT_MIN_WEIGHT = 0.02   # below this (keywords a case covers) no soft score is computed
SOFT_DEPTH = 50          # BM25 results fused with the soft score
SOFT_MAX_WORDS = 16      # a long text: its most specific words are soft-matched
SOFT_ONLY_WORDS = 5      # texts of this many words may list cases sharing none of them ...
SOFT_ONLY_DOCS = 10      # ... at most this many, the best by soft score


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
        memo.update(semantic.expansions_of(
            todo, lambda w: searcher.doc_frequency(SEARCH_FIELD, w) > 0))
    # A word no case contains weighs like the rarest word (it is the most specific).
    words = [(semantic.idf(n, df), memo[t]) for t, df in plan.soft if memo[t]]
    words = sorted(words, key=lambda x: -x[0])[:SOFT_MAX_WORDS]
    score = semantic.soft_scores(words, partial(sets.term, SEARCH_FIELD), sets.size)
    if score is None:
        return None
    mask = sets.live() if allowed is None else allowed & sets.live()
    score *= semantic.bits_array(mask, sets.size)
    return score


def _fuse(results, soft, weight, nwords, page, limit):
    """([(docnum, fused score)] of the page, count of soft-only documents): BM25 divided by
    the best BM25 plus SOFT_WEIGHT x the soft score divided by the best soft score.  A text of
    SOFT_ONLY_WORDS words or more may also list the SOFT_ONLY_DOCS best cases by soft score
    that share no word with it; a few keywords only re-rank what they match."""
    bm = [(r.docnum, float(r.score or 0.0)) for r in results]
    top_bm = max((s for _, s in bm), default=0.0) or 1.0
    top_soft = float(soft.max()) or 1.0
    fused = {d: s / top_bm + weight * float(soft[d]) / top_soft for d, s in bm}
    only = 0
    if nwords >= SOFT_ONLY_WORDS:
        k = min(SOFT_ONLY_DOCS + len(bm), len(soft))
        best = np.argpartition(-soft, k - 1)[:k] if k < len(soft) else np.arange(len(soft))
        for d in sorted(best.tolist(), key=lambda d: -soft[d]):
            if only >= SOFT_ONLY_DOCS:
                break
            if d not in fused and soft[d] > 0:
                fused[d] = weight * float(soft[d]) / top_soft
                only |= 1 << d
    order = sorted(fused.items(), key=lambda x: (-x[1], x[0]))
    return order[(page - 1) * limit:page * limit], only


def _matching(sets, terms) -> int:
    """Every document the OR of ``terms`` matches: the union of their postings in the
    combined field and the title field (what the query's matcher would visit), as a bitmap."""
    return sets.any_of((SEARCH_FIELD, TITLE_FIELD), terms)


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
