"""Everything one process holds for search, in one object: the Flask extension ``search_state``.

Until round 2 this was a dozen module globals spread over index.py, sync.py, query.py, readings.py,
vectors.py and semantic.py. Gathered here, a reader sees at once what a worker keeps between
requests, and tests (or a shutdown) can let go of it in one call:

- ``searchers``: per index directory, the open Whoosh index, its searcher, the searcher's memo
  caches (facet bitmaps, result pages, suggestions; they die with the searcher at the next commit),
  when it was last checked and the directory's inode. ``retired`` holds replaced searchers for a
  while, for the threads still reading them. Guarded by ``searcher_lock``.
- ``indexes``: per index directory, the index object the writers of this process use (sync.py).
  Guarded by ``index_lock``. ``healing`` serialises rebuilds within the process.
- ``beats`` and ``last``: when this host last wrote its heartbeat, last caught up with the log and
  last verified the index (the repair check), as monotonic times.
- ``vocabulary``: the desk's synonym groups (検索語の辞書) as this worker last loaded them, with their
  version (part of every cached answer's key).
- ``readings`` and ``synonym_groups``: per indexed term, its kana reading and its SudachiDict
  synonym groups (memos, bounded). Guarded by ``memo_lock``, which also guards the searchers'
  memo caches.
- ``resources``: the read-only files loaded on first need (the related-word table, the word
  vectors). Guarded by ``resource_lock``.

The state is per process, not per app: index directories are its keys, so two apps of one
process (tests) never see each other's indexes.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time

__all__ = ["SearchState", "search_state"]


class SearchState:
    """The search state of this process (see the module docstring)."""

    def __init__(self) -> None:
        self.searcher_lock = threading.Lock()
        self.searchers: dict[str, dict] = {}  # path -> {ix, searcher, facets, checked, inode}
        self.retired: list = []  # (monotonic time, searcher); files are read without mmap, so close them
        self.index_lock = threading.Lock()
        self.indexes: dict[str, object] = {}
        self.healing = threading.Lock()
        self.beats: dict[str, tuple[float, int]] = {}  # host id -> (monotonic time, position) of the last beat
        self.last = {"catch_up": 0.0, "verify": time.monotonic()}
        self.vocabulary: dict = {"version": None, "groups": ()}
        self.memo_lock = threading.Lock()
        self.readings: dict = {}
        self.synonym_groups: dict = {}
        self.resource_lock = threading.Lock()
        self.resources: dict[str, dict] = {"vectors": {}, "semantic": {}}

    def init_app(self, app) -> None:
        """Register as ``app.extensions["consult_search"]`` (one state for every app of the process)."""
        app.extensions["consult_search"] = self

    def forget(self, directory: str) -> None:
        """Close the searchers and drop the index objects of every index under ``directory`` (a test's
        temporary directory, so that its files are freed)."""
        inside = os.path.join(os.path.abspath(directory), "")
        with self.index_lock:
            for path in [p for p in self.indexes if p.startswith(inside)]:
                self.indexes.pop(path, None)
        with self.searcher_lock:
            entries = [self.searchers.pop(p) for p in list(self.searchers) if p.startswith(inside)]
        for entry in entries:
            entry["searcher"].close()

    @contextlib.contextmanager
    def repairs_paused(self, seconds: float = 3600.0):
        """No per-request catch-up with the log or index check in this process during the block (counting the
        SQL of one page must not count the search's own bookkeeping)."""
        saved = dict(self.last)
        now = time.monotonic()
        self.last.update(catch_up=now + seconds, verify=now + seconds)
        try:
            yield
        finally:
            self.last.update(saved)

    def forget_resources(self) -> None:
        """Drop the loaded resource files (they are read again on next need)."""
        with self.resource_lock:
            for data in self.resources.values():
                data.clear()


search_state = SearchState()
