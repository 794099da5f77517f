"""The Whoosh index of published cases: schema, open/create, batched writes, rebuild, and a
per-process searcher cache.

The index is derived data (the database is the source of truth).  Writers wait for the lock
for ``WRITE_TIMEOUT`` seconds and then raise :class:`IndexBusyError`, which callers catch to
keep their outbox entry for a later attempt.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
import time
from datetime import datetime

from whoosh import index as windex
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError

from .analysis import JapaneseAnalyzer
from .state import search_state

__all__ = ["IndexBusyError", "IndexOutdatedError", "make_schema", "open_index", "upsert_cases",
           "delete_cases", "rebuild", "get_searcher", "case_to_doc", "FACET_FIELDS",
           "WRITE_TIMEOUT"]

WRITE_TIMEOUT = 10.0
TITLE_REPEAT = 1        # the title is indexed this many times in ``text``
KEYWORDS_REPEAT = 1     # tools, tags and department label, in ``text``
TITLE_BOOST = 1.0       # the small ``title`` field: a boost for cases whose title matches
FACET_FIELDS = ("department", "resolution_type", "category", "tools", "tags")


def _remember_missing_columns() -> None:
    """Whoosh 2.7 asks, for every posting it writes, whether the segment has a length column
    for the posting's field; for fields without lengths (ref, tools, tags ...) the answer is
    not cached and costs a ``stat()`` each time: a quarter of the indexing time.  A segment's
    files never change once written, so remembering "no such column" per reader is safe."""
    try:
        from whoosh.codec.whoosh3 import W3PerDocReader
    except ImportError:  # pragma: no cover - another Whoosh
        return
    original = getattr(W3PerDocReader, "_cached_reader", None)
    if original is None or getattr(original, "_consult", False):
        return

    def _cached_reader(self, fieldname, column):
        readers = self._readers
        if fieldname in readers:
            return readers[fieldname]
        reader = original(self, fieldname, column)
        if reader is None:
            readers[fieldname] = None
        return reader

    _cached_reader._consult = True
    W3PerDocReader._cached_reader = _cached_reader


_remember_missing_columns()


class IndexBusyError(RuntimeError):
    """Another process holds the index write lock; retry later (keep the outbox entry)."""


class IndexOutdatedError(windex.IndexError):
    """The index on disk was built with an older schema: run ``flask search reindex``."""


def make_schema(analyzer=None) -> Schema:
    """The case schema; ``analyzer`` defaults to :class:`JapaneseAnalyzer`."""
    ana = analyzer if analyzer is not None else JapaneseAnalyzer()
    return Schema(
        ref=ID(stored=True, unique=True),
        # Everything searchable in one field: one posting list per query term.
        text=TEXT(analyzer=ana, phrase=False),
        # The title alone, small, only to lift cases whose title matches.
        title=TEXT(analyzer=ana, stored=True, phrase=False, field_boost=TITLE_BOOST),
        body=STORED(),
        tools=KEYWORD(stored=True, commas=True, scorable=False),
        tags=KEYWORD(stored=True, commas=True, scorable=False),
        department=ID(stored=True),
        resolution_type=ID(stored=True),
        category=ID(stored=True),
        published_at=DATETIME(stored=True, sortable=True),
        hours_saved=NUMERIC(int, bits=64, stored=True, sortable=True, signed=False),
        helpful_count=NUMERIC(int, bits=64, stored=True, sortable=True, signed=False),
        view_count=NUMERIC(int, bits=64, stored=True, sortable=True, signed=False),
        meta=STORED(),
    )


def storage(path: str) -> FileStorage:
    """The file storage of an index directory, WITHOUT memory-mapping: Whoosh mmaps segment
    files by default, and a truncated or damaged segment then kills the process with SIGBUS
    on first read.  Read normally, a damaged file raises an exception that the caller can
    turn into a rebuild."""
    return FileStorage(path, supports_mmap=False)


def open_index(path: str, create: bool = True, analyzer=None):
    """Open the index at ``path``; create it (and the directory) when missing and ``create``."""
    if windex.exists_in(path):
        ix = storage(path).open_index()
        if "text" not in ix.schema:  # built before the combined field (version 1)
            raise IndexOutdatedError(
                f"the search index in {path} was built by an older version: "
                "run `flask --app app search reindex`")
        return ix
    if not create:
        raise windex.EmptyIndexError(f"no search index in {path}")
    os.makedirs(path, exist_ok=True)
    return storage(path).create_index(make_schema(analyzer))


def _clean(values) -> list[str]:
    out = []
    for v in values or []:
        v = str(v).replace(",", "、").strip()
        if v and v not in out:
            out.append(v)
    return out


def case_to_doc(case: dict) -> dict:
    """Map a case dict (keys as in the case file / model) to index document fields."""
    ref = case.get("ref") or case.get("id")
    if not ref:
        raise ValueError("case without ref")
    tools, tags = _clean(case.get("tools")), _clean(case.get("tags"))
    body = "\n".join(str(case.get(k) or "") for k in ("problem", "cause", "solution", "effect"))
    title = str(case.get("title") or "")
    keywords = " / ".join(tools + tags + [str(case.get("department") or "")])
    doc = {
        "ref": str(ref),
        "text": "\n".join([title] * TITLE_REPEAT + [keywords] * KEYWORDS_REPEAT + [body]),
        "title": title,
        "body": body,
        "tools": ",".join(tools),
        "tags": ",".join(tags),
        "department": str(case.get("department") or ""),
        "resolution_type": str(case.get("resolution_type") or ""),
        "category": str(case.get("category") or ""),
        "hours_saved": max(0, int(case.get("hours_saved_per_year") or 0)),
        "helpful_count": max(0, int(case.get("helpful_count") or 0)),
        "view_count": max(0, int(case.get("view_count") or 0)),
        "meta": {"hours_known": case.get("hours_saved_per_year") is not None},
    }
    for key in ("department", "resolution_type", "category", "tools", "tags"):
        if not doc[key]:
            del doc[key]
    if isinstance(case.get("published_at"), datetime):
        doc["published_at"] = case["published_at"]
    return doc


def open_writer(ix, timeout: float | None):
    """A writer of `ix`, waiting up to `timeout` seconds (WRITE_TIMEOUT when None) for the index lock; IndexBusyError
    when another process holds it that long."""
    try:
        return ix.writer(timeout=WRITE_TIMEOUT if timeout is None else timeout)
    except LockError as exc:
        raise IndexBusyError(f"search index is locked by another writer: {exc}") from exc


def upsert_cases(ix, cases, timeout: float | None = None) -> int:
    """Add or replace cases (matched on ref) in one writer and one commit; returns the count.

    Raises :class:`IndexBusyError` when the write lock cannot be had within ``timeout``."""
    docs = [case_to_doc(c) for c in cases]
    if not docs:
        return 0
    w = open_writer(ix, timeout)
    try:
        for d in docs:
            w.update_document(**d)
    except BaseException:
        w.cancel()
        raise
    w.commit()
    mark_stale(ix)
    return len(docs)


def delete_cases(ix, refs, timeout: float | None = None) -> int:
    """Remove cases by ref (unknown refs are ignored); returns the number of refs asked."""
    refs = [str(r) for r in refs]
    if not refs:
        return 0
    w = open_writer(ix, timeout)
    try:
        for r in refs:
            w.delete_by_term("ref", r)
    except BaseException:
        w.cancel()
        raise
    w.commit()
    mark_stale(ix)
    return len(refs)


MP_MIN_CASES = 5000  # rebuild(): from this many cases on, two indexing processes


def rebuild(path: str, cases, progress=None, analyzer=None, procs: int | None = None,
            batch: int = 2000, before_swap=None, swap_lock=None) -> int:
    """Build a fresh index from ``cases`` in a new directory next to ``path``, then swap it in.

    ``progress(count)`` is called after each batch.  ``procs`` (default: 2 when there are at
    least ``MP_MIN_CASES`` cases and two CPUs, else 1) indexing processes write one segment
    each.  Readers holding the old directory open keep working on their open files; new
    opens see the new index.  ``before_swap(new_dir)`` may add files to the new directory
    (the log position); ``swap_lock`` (a context manager) is held around the two renames.
    Returns the case count."""
    cases = iter(cases)
    if procs is None:
        head = list(itertools.islice(cases, MP_MIN_CASES))
        procs = 2 if len(head) >= MP_MIN_CASES and (os.cpu_count() or 1) >= 2 else 1
        cases = itertools.chain(head, cases)
    path = os.path.abspath(path)
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".rebuild-", dir=parent)
    count = 0
    try:
        ix = storage(tmp).create_index(make_schema(analyzer))
        kw = {"procs": procs, "limitmb": 256, "multisegment": True} if procs > 1 else {}
        w = ix.writer(**kw)
        try:
            for case in cases:
                w.add_document(**case_to_doc(case))
                count += 1
                if progress and count % batch == 0:
                    progress(count)
        except BaseException:
            w.cancel()
            raise
        w.commit()
        if progress:
            progress(count)
        if before_swap is not None:
            before_swap(tmp)
        old = None
        with swap_lock if swap_lock is not None else contextlib.nullcontext():
            if os.path.exists(path):
                old = tempfile.mkdtemp(prefix=".old-", dir=parent)
                os.rmdir(old)
                os.rename(path, old)
            os.rename(tmp, path)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    forget_searcher(path)
    return count


# --------------------------------------------------------------------------- searchers

REFRESH_EVERY = 0.0  # seconds between freshness checks: every search (a stat and a listdir, ~0.1 ms), so a
# change another process (the follower) applied is seen by the next search, not up to 0.5 s later


def _inode(path: str):
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def mark_stale(ix) -> None:
    """After a write in this process, make the next get_searcher() refresh at once."""
    path = os.path.abspath(getattr(ix.storage, "folder", "") or f"mem:{id(ix)}")
    with search_state.searcher_lock:
        entry = search_state.searchers.get(path)
        if entry is not None:
            entry["checked"] = float("-inf")


RETIRE_AFTER = 30.0  # seconds an old searcher stays open for the threads still reading it


def _retire(searcher) -> None:
    search_state.retired.append((time.monotonic(), searcher))


def _close_retired(now: float, everything: bool = False) -> None:
    while search_state.retired and (everything or now - search_state.retired[0][0] >= RETIRE_AFTER):
        _, searcher = search_state.retired.pop(0)
        try:
            searcher.close()
        except Exception:  # noqa: S110 - a damaged index may fail to close; it is gone anyway
            pass


def forget_searcher(path: str) -> None:
    """Close and drop this process's cached searcher of the index at `path` (after the directory was swapped)."""
    with search_state.searcher_lock:
        entry = search_state.searchers.pop(os.path.abspath(path), None)
    if entry:
        _retire(entry["searcher"])


def close_all() -> None:
    """Close every cached and retired searcher (tests, shutdown)."""
    with search_state.searcher_lock:
        for entry in search_state.searchers.values():
            _retire(entry["searcher"])
        search_state.searchers.clear()
        _close_retired(time.monotonic(), everything=True)


def get_searcher(ix_or_path, force: bool = False):
    """Return (searcher, facet_cache) kept per process and refreshed when the index changed.

    Accepts an index object or a directory.  Freshness is checked at most every
    ``REFRESH_EVERY`` seconds (always with ``force``); a directory swapped by :func:`rebuild`
    is reopened.  Callers must not close the searcher."""
    if isinstance(ix_or_path, str):
        path, ix = os.path.abspath(ix_or_path), None
    else:
        ix = ix_or_path
        path = os.path.abspath(getattr(ix.storage, "folder", "") or f"mem:{id(ix)}")
    now = time.monotonic()
    with search_state.searcher_lock:
        entry = search_state.searchers.get(path)
        _close_retired(now)
        if entry is not None and ix is not None and entry["ix"] is not ix:
            _retire(entry["searcher"])
            entry = None
        if entry is not None and (force or now - entry["checked"] >= REFRESH_EVERY):  # noqa
            entry["checked"] = now
            if _inode(path) != entry["inode"]:
                _retire(entry["searcher"])
                entry = None
                ix = ix or None
            elif entry["ix"].latest_generation() != entry["searcher"].reader().generation():
                # Not Searcher.refresh(): in whoosh-reloaded 2.7.5 its reader reuse keeps the
                # old segments (deleted or replaced documents still show).  Open afresh.
                # The old searcher is closed later: another thread may still be reading it.
                _retire(entry["searcher"])
                entry["searcher"], entry["facets"] = entry["ix"].searcher(), {}
        if entry is None:
            ino = _inode(path)
            ix = ix if ix is not None else storage(path).open_index()
            entry = {"ix": ix, "searcher": ix.searcher(), "facets": {}, "checked": now,
                     "inode": ino}
            search_state.searchers[path] = entry
        return entry["searcher"], entry["facets"]
