"""What a search returns: result rows (``Hit``) and pages (``SearchResult``).

A row exposes what a page shows (種類, 分類, 公開日, 削減時間, ツール, タグ), so templates never read the index's
stored fields; its snippet and its coverage are computed on first access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from .planning import SEARCH_FIELD
from .snippets import snippet_html

__all__ = ["Hit", "SearchResult", "make_hit"]


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


def make_hit(searcher, docnum, stored, terms, coverage, score) -> Hit:
    """The row of document ``docnum`` (stored fields ``stored``), its snippet highlighting ``terms``."""
    analyzer = searcher.schema[SEARCH_FIELD].analyzer
    return Hit(ref=stored.get("ref", ""), title=stored.get("title", ""),
               department=stored.get("department", ""),
               snippet_html=partial(snippet_html, analyzer, stored.get("body", ""), terms),
               score=score, coverage=coverage, fields=stored, docnum=docnum)
