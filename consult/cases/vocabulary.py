"""The desk's search vocabulary: 検索語の辞書 (synonym groups) and 見つからなかった検索語.

Synonym groups live in the database and are applied at query time (consult/search/query.py
``set_vocabulary``), so an edit takes effect without a reindex or a restart: every search and
suggestion first compares a cheap version of the table (count, last change, last id) with the
one this worker loaded, and reloads the groups when it differs.  The shipped
``consult/search/synonyms.txt`` stays the default, applied when the index is built.
"""
from __future__ import annotations

import re
import threading
from datetime import timedelta

from sqlalchemy import func, select

from consult.audit import record
from consult.errors import DomainError, NotFound
from consult.search import query
from models import SearchLog, SuggestionClick, SynonymGroup, db, utcnow

MAX_WORDS = 20
MAX_WORD_CHARS = 40
_SPLIT = re.compile(r"[,、，\n]+")
_lock = threading.Lock()


class VocabularyError(DomainError):
    """A synonym group that cannot be stored."""


def parse_words(text: str) -> list[str]:
    """Words of a group as typed (comma, 、 or one per line), duplicates dropped."""
    out = []
    for w in _SPLIT.split(text or ""):
        w = " ".join(w.split())
        if w and w not in out:
            out.append(w)
    return out


def _check(words: list[str]) -> None:
    if len(words) < 2:
        raise VocabularyError("同じ意味の言葉を2つ以上、読点（、）かカンマで区切って入力してください。")
    if len(words) > MAX_WORDS:
        raise VocabularyError(f"1つのグループに入れられる言葉は{MAX_WORDS}個までです。")
    long = [w for w in words if len(w) > MAX_WORD_CHARS]
    if long:
        raise VocabularyError(f"{MAX_WORD_CHARS}文字を超える言葉は登録できません（{long[0][:20]}…）。")
    if any(len(w) < 2 for w in words):
        raise VocabularyError("1文字の言葉はほかの言葉の中にも現れるため登録できません。")


def _version():
    return db.session.execute(select(func.count(SynonymGroup.id), func.max(SynonymGroup.updated_at),
                                     func.max(SynonymGroup.id))).one()


def refresh() -> None:
    """Load the active groups when the table changed since this worker last looked."""
    version = tuple(_version())
    if version == query.vocabulary_version():
        return
    with _lock:
        rows = db.session.scalars(select(SynonymGroup).where(SynonymGroup.active.is_(True))
                                  .order_by(SynonymGroup.id))
        query.set_vocabulary([parse_words(g.words) for g in rows], version)


def groups(active=None) -> list[SynonymGroup]:
    stmt = select(SynonymGroup).order_by(SynonymGroup.active.desc(), SynonymGroup.updated_at.desc(),
                                         SynonymGroup.id.desc())
    if active is not None:
        stmt = stmt.where(SynonymGroup.active.is_(active))
    return list(db.session.scalars(stmt))


def add_group(words_text: str, note: str, actor) -> SynonymGroup:
    """Store a new group (one transaction, audited)."""
    words = parse_words(words_text)
    _check(words)
    group = SynonymGroup(words="、".join(words), note=(note or "").strip()[:200], active=True,
                         created_by_id=getattr(actor, "id", None), created_at=utcnow(), updated_at=utcnow())
    db.session.add(group)
    db.session.flush()
    record("synonym_group.create", "synonym_group", group.id, actor=actor,
           after={"words": group.words, "note": group.note})
    db.session.commit()
    return group


def set_active(group_id: int, active: bool, actor) -> SynonymGroup:
    """Switch a group on or off (never deleted; audited)."""
    group = db.session.get(SynonymGroup, group_id)
    if group is None:
        raise NotFound("検索語のグループが見つかりません")
    if group.active != active:
        record("synonym_group.enable" if active else "synonym_group.disable", "synonym_group", group.id,
               actor=actor, before={"active": group.active}, after={"active": active})
        group.active = active
        group.updated_at = utcnow()
        db.session.commit()
    return group


def missed(days: int = 90, limit: int = 200) -> list[dict]:
    """Searches and intake texts of the last ``days`` days that found nothing, grouped by text:
    [{query, sources, count, first, last}], most frequent first; and intake lookups that showed
    cases none of which was ever opened are counted as ``no_click`` by the caller's page."""
    since = utcnow() - timedelta(days=days)
    key = func.lower(func.trim(SearchLog.query))
    rows = db.session.execute(
        select(func.min(SearchLog.query), func.count(), func.min(SearchLog.created_at),
               func.max(SearchLog.created_at), func.min(SearchLog.source), func.max(SearchLog.source))
        .where(SearchLog.created_at >= since, SearchLog.result_count == 0)
        .group_by(key).order_by(func.count().desc(), func.max(SearchLog.created_at).desc()).limit(limit)).all()
    label = {"browse": "事例をさがす", "suggest": "相談の入力"}
    out = []
    for text, count, first, last, s1, s2 in rows:
        sources = sorted({label.get(s1, s1), label.get(s2, s2)})
        out.append({"query": text, "count": count, "first": first, "last": last, "sources": sources})
    return out


def click_summary(days: int = 90) -> dict:
    """Intake lookups with suggestions shown, and suggested cases opened, in the period."""
    since = utcnow() - timedelta(days=days)
    shown = db.session.scalar(select(func.count()).select_from(SearchLog).where(
        SearchLog.created_at >= since, SearchLog.source == "suggest", SearchLog.result_count > 0))
    clicks = db.session.scalar(select(func.count(func.distinct(SuggestionClick.intake_token))).where(
        SuggestionClick.created_at >= since))
    return {"shown": shown or 0, "clicked_sessions": clicks or 0}
