"""Query planning: what a text becomes before anything is scored.

The text is analysed like the documents (``JapaneseAnalyzer``), so query syntax characters and unbalanced quotes
are plain text and nothing raises. ``make_plan`` returns a ``Plan``: the terms to search with their weight (idf)
and boost, the query's words for coverage, and its own words for the soft score. Besides the typed words, a term
can bring in, each weighted below them (README, round 4): indexed words with the same reading (kana queries,
mis-conversions such as 清算 for 精算), near spellings of an unknown word, SudachiDict synonym groups, related words
of the shipped word vectors, and the desk's own synonym groups (検索語の辞書, ``set_vocabulary``). A long text is
reduced to its most specific terms within a postings budget, so it stays fast.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from . import readings, vectors
from .state import search_state

__all__ = ["Plan", "make_plan", "select_terms", "query_terms", "query_units", "df_idf", "set_vocabulary",
           "vocabulary_version", "MAX_TERMS", "SEARCH_FIELD", "TITLE_FIELD"]

MAX_QUERY_CHARS = 2000   # longer input is cut (a ticket is far shorter)
MAX_TERMS = 12           # most specific terms kept from a long query
UNKNOWN_WEIGHT = 0.5     # coverage: words no case contains count at this share of their idf
COVERAGE_WORDS = 8       # coverage: share of the query's heaviest words (0: all words)
SEARCH_FIELD = "text"     # title + keywords + body (see index.make_schema)
TITLE_FIELD = "title"     # small; a match there lifts a case
FUZZY_FACTOR = 0.7       # weight of a near term standing in for an unknown one
READING_FACTOR = 0.8     # weight of an indexed word found through its reading (kana, 清算)
SYNGROUP_SIMILARITY = 1.0  # SudachiDict synonym groups: treated as related words of this similarity
RELATED_MAX_DF = 50      # related words (groups, vectors) only for query words in at most
RELATED_MAX_SHARE = 0.005  # ... this many cases or this share of them, whichever is larger
VECTOR_FACTOR = 0.5      # weight of a related word (word vectors) times its similarity ...
VECTOR_PER_WORD = 3      # ... at most this many per query word ...
VECTOR_CANDIDATES = 80   # ... chosen among this many related words of the vectors
POSTINGS_BUDGET = 3000   # at most this many postings are scored per query (speed) ...
MIN_TERMS = 2            # ... but the most specific terms are always kept


def query_terms(searcher, text: str, max_terms: int = MAX_TERMS):
    """Analyse ``text`` and keep its most specific terms.

    Returns (selected [(term, weight)], coverage denominator).  The weight of a term is its
    inverse document frequency.  The denominator sums the query's words (a compound and its
    parts, or a word and its reading, count once); words that no case contains count at
    ``UNKNOWN_WEIGHT`` of their weight and are not searched."""
    plan = make_plan(searcher, text, max_terms)
    return [(t, w) for t, w, _ in plan.terms], plan.total


def select_terms(searcher, text: str, max_terms: int):
    """(selected [(term, weight, boost)], coverage denominator)."""
    plan = make_plan(searcher, text, max_terms)
    return plan.terms, plan.total


@dataclass
class Plan:
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


def query_units(analyzer, text: str):
    """[(term, start, end)] of a query text, as the analyzer reads queries."""
    if hasattr(analyzer, "units"):
        return analyzer.units(text, mode="query")
    return [(t.text, t.startchar, t.endchar)
            for t in analyzer(text, mode="query", chars=True)]


def make_plan(searcher, text: str, max_terms: int, cache=None) -> Plan:
    """The ``Plan`` of ``text`` on this searcher's index (``cache``: the searcher's memo dict, or None)."""
    analyzer = searcher.schema[SEARCH_FIELD].analyzer
    text = (text or "")[:MAX_QUERY_CHARS]
    units = query_units(analyzer, text)
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
        for t in sorted(members):
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
    return Plan(out, words, total, weak, soft)


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
    """The version of the desk's synonym groups this process applies (None: none loaded)."""
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
            terms = [t for t, _, _ in query_units(analyzer, w)]
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
    members = sorted(t for t in members if df.get(t, 0) <= limit)  # sorted: the same plan in every process
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
    """The idf of ``term`` given the document frequencies ``df`` among ``n`` documents (at least 0.05)."""
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
