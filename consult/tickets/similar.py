"""Similar open consultations of the filer's own 所属, shown while filing (「同じ所属で対応中の似た相談」).

Only tickets the filer may see *and* of the filer's own department are candidates (never a title from another 所属),
only open ones (新規・受付・対応中・回答待ち), never a merged one. The words are the case index's (Sudachi, synonyms,
particles and filler words removed), each weighted by how rare it is among the published cases (words such as 業務,
作業, 時間 say little); a candidate is shown when the weighted share of words in common (Dice) is high enough."""
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from sqlalchemy import select

from consult.search import sync
from consult.search.analysis import JapaneseAnalyzer
from consult.search.index import get_searcher
from consult.search.planning import SEARCH_FIELD, df_idf
from models import OPEN_STATUSES, Ticket, db

from .access import visible_tickets_filter

MAX_CANDIDATES = 300  # newest open tickets of one 所属 that are compared (a 所属 rarely has more than a few dozen)
MIN_SHARED = 2        # topic words in common
MIN_RARE = 0.9        # ... weighing together at least 0.9 of a word that no published case contains
MIN_COVERAGE = 0.5    # and covering half the typed text's weight (a short text: a title, a first sentence)
MIN_DICE = 0.25       # or a weighted Dice coefficient of the two texts this high (long texts)
MIN_TEXT = 4          # characters typed before anything is looked up
_analyzer = JapaneseAnalyzer()


@dataclass
class Similar:
    """One similar open consultation and the words it shares with the typed text."""

    ticket: Ticket
    shared: list[str]
    score: float


def _words(text: str) -> frozenset[str]:
    """Topic words of a text (query side: synonyms folded, filler removed)."""
    return frozenset(term for term, _, _ in _analyzer.units(text or "", mode="query"))


@lru_cache(maxsize=4096)
def _ticket_words(ticket_id: int, version: int, text: str) -> frozenset[str]:
    """The words of one ticket version (cached: the same tickets are compared on every keystroke)."""
    return _words(text)


def _ticket_text(t: Ticket) -> str:
    """The fields a requester types first: 件名, 目的, 現在のやり方, 困っていること."""
    return "\n".join(filter(None, (t.title, t.purpose, t.current_process, t.problem)))


def _weights(words: set[str]) -> tuple[dict[str, float], float]:
    """idf of each word among the published cases, and the idf of a word no case has (1.0 each when the index
    cannot be read)."""
    def run(ix):
        searcher, _ = get_searcher(ix)
        n = searcher.doc_count()
        return {w: df_idf(w, {w: searcher.doc_frequency(SEARCH_FIELD, w)}, n) for w in words}, df_idf("", {}, n)

    try:
        return sync.guarded(run)
    except Exception:  # noqa: BLE001 - a hint while filing must never break the intake form
        current_app.logger.exception("word weights for similar open consultations failed")
        return dict.fromkeys(words, 1.0), 1.0


def similar_open(text: str, user, limit: int = 5) -> list[Similar]:
    """Open consultations of `user`'s own 所属 that resemble `text`, best first (empty without a 所属)."""
    department_id = getattr(user, "department_id", None)
    text = (text or "").strip()[:4000]
    if department_id is None or len(text) < MIN_TEXT:
        return []
    typed = _words(text)
    if len(typed) < MIN_SHARED:
        return []
    stmt = (select(Ticket)
            .where(Ticket.department_id == department_id, visible_tickets_filter(user),
                   Ticket.status.in_(OPEN_STATUSES), Ticket.merged_into_id.is_(None))
            .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(MAX_CANDIDATES))
    candidates = [(t, _ticket_words(t.id, t.version, _ticket_text(t))) for t in db.session.scalars(stmt)]
    candidates = [(t, words) for t, words in candidates if len(typed & words) >= MIN_SHARED]
    if not candidates:
        return []
    weight, rare = _weights(set(typed).union(*(words for _, words in candidates)))
    typed_weight = sum(weight[w] for w in typed)
    found = []
    for t, words in candidates:
        shared = typed & words
        shared_weight = sum(weight[w] for w in shared)
        dice = 2 * shared_weight / (typed_weight + sum(weight[w] for w in words))
        coverage = shared_weight / typed_weight
        if shared_weight >= MIN_RARE * rare and (coverage >= MIN_COVERAGE or dice >= MIN_DICE):
            found.append(Similar(t, sorted(shared, key=lambda w: -weight[w]), dice + coverage))
    found.sort(key=lambda s: (-s.score, -s.ticket.id))
    return found[:limit]
