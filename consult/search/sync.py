"""Keeping the Whoosh index in step with the database through a durable outbox.

Services call `enqueue(ref)` inside their transaction; after commit they call `drain()`.
`drain()` takes the index write lock first, then reads the pending outbox rows and the
current state of those cases from the database, writes the index, and marks the rows done.
Reading the state after taking the lock makes every drain idempotent and order-safe: the
index ends up matching the database whichever process drains, and a crash at any point only
leaves rows that the next drain (next request, next command, next start) applies again.
"""
import logging
import os
import threading
import time

from flask import current_app
from sqlalchemy import func, select, update

from consult.markup import to_plain_text
from models import Case, IndexOutbox, db, utcnow

from . import index

log = logging.getLogger(__name__)
_ix_lock = threading.Lock()
_indexes: dict[str, object] = {}
BATCH = 500


def case_to_dict(case: Case) -> dict:
    """The search engine's view of a case."""
    return {
        "ref": case.ref,
        "title": case.title,
        "department": case.department_label or "",
        "problem": to_plain_text(case.problem),
        "cause": to_plain_text(case.cause),
        "solution": to_plain_text(case.solution),
        "effect": to_plain_text(case.effect),
        "tools": list(case.tools or []),
        "tags": list(case.tags or []),
        "resolution_type": case.resolution_type or "",
        "category": case.category.name if case.category else "",
        "hours_saved_per_year": case.hours_saved_per_year,
        "published_at": case.published_at,
        "helpful_count": case.helpful_count,
        "view_count": case.view_count,
    }


def index_path() -> str:
    """The configured index directory."""
    return os.path.abspath(current_app.config["CONSULT_SEARCH_INDEX"])


def get_index():
    """The index of this app, opened once per process (created when missing, rebuilt when outdated)."""
    path = index_path()
    with _ix_lock:
        ix = _indexes.get(path)
        if ix is not None and os.path.isdir(path) and ix.latest_generation() >= 0:
            return ix
        try:
            ix = _indexes[path] = index.open_index(path, create=True)
            return ix
        except index.IndexOutdatedError:
            log.warning("search index at %s has an old schema; rebuilding it from the database", path)
    index.rebuild(path, published_cases())  # derived data: the database has everything
    with _ix_lock:
        ix = _indexes[path] = index.open_index(path, create=True)
    return ix


def forget_index() -> None:
    """Drop the cached index object (after a rebuild swapped the directory)."""
    with _ix_lock:
        _indexes.pop(index_path(), None)


def enqueue(case_ref: str, op: str = "upsert") -> None:
    """Record that case `case_ref` must be (re)indexed; part of the caller's transaction."""
    db.session.add(IndexOutbox(case_ref=case_ref, op=op))


def pending_count() -> int:
    """How many outbox rows wait to be applied."""
    return db.session.scalar(select(func.count()).select_from(IndexOutbox).where(IndexOutbox.processed_at.is_(None)))


def drain(timeout: float = 5.0) -> int:
    """Apply pending index updates; returns how many cases were written. Never raises."""
    try:
        if not pending_count():
            return 0
        return _drain_locked(timeout)
    except index.IndexBusyError:
        log.info("search index busy; outbox left for the next drain")
    except Exception:  # the database change is committed; the outbox keeps the work
        log.exception("search index update failed; outbox left for the next drain")
        db.session.rollback()
    return 0


def _drain_locked(timeout: float) -> int:
    """Take the write lock, then read pending rows and case states and apply them."""
    ix = get_index()
    writer = index._writer(ix, timeout)
    written = 0
    try:
        rows = db.session.scalars(
            select(IndexOutbox).where(IndexOutbox.processed_at.is_(None)).order_by(IndexOutbox.id).limit(BATCH)
        ).all()
        refs = {row.case_ref for row in rows}
        cases = {c.ref: c for c in db.session.scalars(select(Case).where(Case.ref.in_(refs)))} if refs else {}
        for ref in refs:
            case = cases.get(ref)
            if case is not None and case.status == "published":
                writer.update_document(**index.case_to_doc(case_to_dict(case)))
            else:
                writer.delete_by_term("ref", ref)
            written += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    index._mark_stale(ix)
    ids = [row.id for row in rows]
    if ids:
        db.session.execute(
            update(IndexOutbox).where(IndexOutbox.id.in_(ids)).values(processed_at=utcnow(), attempts=IndexOutbox.attempts + 1)
        )
        db.session.commit()
    if len(rows) == BATCH:
        written += _drain_locked(timeout)
    return written


def published_cases():
    """Every published case, streamed in id order (for a rebuild)."""
    stmt = select(Case).where(Case.status == "published").order_by(Case.id).execution_options(yield_per=1000)
    for case in db.session.scalars(stmt):
        yield case_to_dict(case)


def reindex(progress=None) -> int:
    """Rebuild the index from the database into a new directory and swap it in."""
    mark = db.session.scalar(select(func.max(IndexOutbox.id))) or 0
    count = index.rebuild(index_path(), published_cases(), progress=progress)
    forget_index()
    db.session.execute(
        update(IndexOutbox).where(IndexOutbox.id <= mark, IndexOutbox.processed_at.is_(None)).values(processed_at=utcnow())
    )
    db.session.commit()
    drain()
    return count


_last_check = {"at": 0.0}
CHECK_EVERY = 30.0


def repair_if_due() -> None:
    """At most every CHECK_EVERY seconds per process, apply what a crashed process left behind."""
    now = time.monotonic()
    if now - _last_check["at"] < CHECK_EVERY:
        return
    _last_check["at"] = now
    drain(timeout=0.5)
