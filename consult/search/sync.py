"""Keeping each host's Whoosh index in step with the database: the index outbox is a log.

Services call `enqueue(ref)` inside their transaction; after commit they call `drain()`, which
applies the log to THIS host's index at once.  Every host keeps its own index and follows the
same log (`index_outbox`) with its own position, stored inside its index directory
(`consult-position.json`); no host marks rows done for the others.  Other hosts catch up
through `flask --app app search follow` (polls every `FOLLOW_EVERY` seconds) and on requests.

Positions.  Row ids become visible in commit order, not id order (PostgreSQL: a transaction
that took id 10 may commit after the one that took 11).  The state is the highest id seen
(`max_seen`) plus the ids below it not seen yet (`gaps`).  A gap is applied when its row
appears; a gap whose next visible row is older than `GAP_TIMEOUT` counts as a rolled-back
transaction and is dropped.  The *position* (contiguous: every id up to it is applied) is
`min(gaps) - 1`, or `max_seen`.

Applying is idempotent: for the refs of the new rows, the current state of each case is read
from the database after the rows (publish → upsert, anything else → delete).  Whoever applies
holds the host lock (`<index>.lock`, a file lock next to the directory) across reading the
position, writing the index and writing the new position; a crash at any point leaves the old
position, and the rows are applied again.

Rebuild (`reindex()`): the log ids and the cases are read in one snapshot, the index is built in
a new directory with that position written inside, swapped in, and the log followed on from
there — a change committed during the build is in the log after the snapshot, so nothing is
lost.  A host whose position is below the pruned part of the log (down for a long while), or
whose index is missing, unreadable, without a position, or empty while cases are published,
rebuilds itself.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consult.markup import to_plain_text
from models import Case, IndexOutbox, SearchHost, db, utcnow

from . import index
from .state import search_state

log = logging.getLogger(__name__)
BATCH = 500
POSITION_FILE = "consult-position.json"
PRUNED = "(pruned)"          # the search_hosts row that records how far the log was pruned
GAP_TIMEOUT = 120.0          # seconds: an id still missing this long after a later row counts as rolled back
CATCH_UP_EVERY = 1.0         # seconds between the per-process checks for new log rows on requests
VERIFY_EVERY = 30.0          # seconds between the per-process count checks (empty / diverged index)
HEARTBEAT_EVERY = 5.0        # seconds between heartbeats of one process
HOST_TTL = 3600.0            # a host not seen for this long does not hold back pruning
MAX_GAPS = 10000


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


def host_id() -> str:
    """This host's name in search_hosts: CONSULT_HOST_ID, else host name + index directory."""
    return current_app.config.get("CONSULT_HOST_ID") or f"{socket.gethostname()}:{index_path()}"


def _setting(name: str, default: float) -> float:
    return float(current_app.config.get(name) or default)


# --------------------------------------------------------------------------- position file

def read_state(path: str | None = None) -> dict | None:
    """The log state stored in the index directory, or None when there is none (or unreadable)."""
    path = path or index_path()
    try:
        with open(os.path.join(path, POSITION_FILE), encoding="utf-8") as fh:
            state = json.load(fh)
        state["max_seen"] = int(state["max_seen"])
        state["gaps"] = {int(k): float(v) for k, v in (state.get("gaps") or {}).items()}
        state["held"] = {int(k): [str(x) for x in v] for k, v in (state.get("held") or {}).items()}
        return state
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_state(path: str, state: dict) -> None:
    """Write the state atomically (temp file + rename) into the index directory ``path``."""
    gaps = state["gaps"]
    held = {str(k): v for k, v in sorted((state.get("held") or {}).items()) if k in gaps}
    data = {"max_seen": int(state["max_seen"]), "gaps": {str(k): v for k, v in sorted(gaps.items())},
            "held": held, "updated_at": time.time()}
    tmp = os.path.join(path, POSITION_FILE + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, os.path.join(path, POSITION_FILE))


def position_of(state: dict | None) -> int:
    """Contiguous position: every log id up to it has been applied (or rolled back)."""
    if state is None:
        return -1
    return (min(state["gaps"]) - 1) if state["gaps"] else state["max_seen"]


@contextlib.contextmanager
def host_lock(timeout: float, path: str | None = None, suffix: str = ".lock"):
    """The host's index lock (a file lock next to the index directory, so it survives swaps).

    Raises :class:`index.IndexBusyError` when it cannot be had within ``timeout`` seconds."""
    path = path or index_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path + suffix, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + max(0.0, timeout)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise index.IndexBusyError(f"search index {path} is being written by another process") from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


# --------------------------------------------------------------------------- opening, health

class NeedsRebuild(Exception):
    """The index on disk cannot be used as it is (missing, unreadable, no position, too old)."""


def _open_checked(path: str):
    """Open the index and a reader; raise NeedsRebuild with the reason when it cannot serve."""
    if not index.windex.exists_in(path):
        raise NeedsRebuild("missing")
    if read_state(path) is None:
        raise NeedsRebuild("no log position")
    try:
        ix = index.open_index(path, create=False)
        with ix.reader() as reader:
            reader.doc_count()
    except index.IndexOutdatedError as exc:
        raise NeedsRebuild("outdated schema") from exc
    except Exception as exc:  # a damaged TOC or segment: derived data, rebuild it
        raise NeedsRebuild(f"unreadable ({type(exc).__name__}: {exc})") from exc
    return ix


def get_index():
    """The index of this host, opened once per process; rebuilt from the database when it is
    missing, unreadable, without a log position or of an older schema."""
    path = index_path()
    with search_state.index_lock:
        ix = search_state.indexes.get(path)
        if ix is not None and os.path.isfile(os.path.join(path, POSITION_FILE)) and ix.latest_generation() >= 0:
            return ix
        search_state.indexes.pop(path, None)
    try:
        ix = _open_checked(path)
    except NeedsRebuild as exc:
        heal(str(exc))
        ix = index.open_index(path, create=False)
    with search_state.index_lock:
        search_state.indexes[path] = ix
    return ix


def forget_index() -> None:
    """Drop the cached index object (after a rebuild swapped the directory)."""
    with search_state.index_lock:
        search_state.indexes.pop(index_path(), None)
    index.forget_searcher(index_path())




def heal(reason: str) -> None:
    """Rebuild this host's index from the database (one process at a time; the others wait and
    then use the result)."""
    path = index_path()
    with search_state.healing, host_lock(600, path, suffix=".rebuild.lock"):
        if reason.startswith(("missing", "no log position", "unreadable", "outdated")):
            try:  # another process may have rebuilt it while we waited
                _open_checked(path)
                if not reason.startswith("unreadable (search"):
                    return
            except NeedsRebuild:
                pass
        log.warning("search index at %s: %s; rebuilding it from the database", path, reason)
        _rebuild_locked()


# --------------------------------------------------------------------------- the log

def enqueue(case_ref: str, op: str = "upsert") -> None:
    """Record that case `case_ref` must be (re)indexed; part of the caller's transaction."""
    db.session.add(IndexOutbox(case_ref=case_ref, op=op))


def _pending_filter(state: dict):
    cond = IndexOutbox.id > state["max_seen"]
    if state["gaps"]:
        cond = or_(cond, IndexOutbox.id.in_(sorted(state["gaps"])))
    return cond


def pending_count() -> int:
    """How many visible log rows this host has not applied yet."""
    state = read_state()
    if state is None:
        return db.session.scalar(select(func.count()).select_from(IndexOutbox))
    return db.session.scalar(select(func.count()).select_from(IndexOutbox).where(_pending_filter(state)))


def drain(timeout: float = 5.0) -> int:
    """Apply the log to this host's index now; returns how many cases were written. Never raises.

    When another process of this host holds the lock, it is applying the log too: wait only until
    its position has passed every row visible now (the caller's own change), not for the lock."""
    try:
        target = db.session.scalar(select(func.max(IndexOutbox.id))) or 0
        deadline = time.monotonic() + timeout
        while True:
            try:
                return follow_once(0)
            except index.IndexBusyError:
                state = read_state()
                if state is not None and state["max_seen"] >= target and not any(g <= target for g in state["gaps"]):
                    return 0  # applied by the process holding the lock
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.02)
    except index.IndexBusyError:
        log.info("search index busy; the log is applied by the next follower step")
    except Exception:  # the database change is committed; the log keeps the work
        log.exception("search index update failed; the log is applied by the next follower step")
        with contextlib.suppress(Exception):
            db.session.rollback()
    return 0


def _pruned_floor() -> int:
    return db.session.scalar(select(SearchHost.position).where(SearchHost.host_id == PRUNED)) or 0


def follow_once(timeout: float = 5.0) -> int:
    """Apply every visible log row past this host's position; rebuild when the position is lost.

    Raises IndexBusyError when another process of this host is applying (it will do the work)."""
    get_index()  # opens, or heals a missing / unreadable index first
    path = index_path()
    written = 0
    rebuild_reason = None
    with host_lock(timeout, path):
        while True:
            state = read_state(path)
            if state is None:
                rebuild_reason = "no log position"
                break
            top = db.session.scalar(select(func.max(IndexOutbox.id))) or 0
            if top < state["max_seen"]:
                rebuild_reason = f"log restarted (position {state['max_seen']} > newest row {top})"
                break
            if position_of(state) < _pruned_floor():
                rebuild_reason = f"position {position_of(state)} is older than the retained log"
                break
            rows = db.session.execute(
                select(IndexOutbox.id, IndexOutbox.case_ref, IndexOutbox.created_at)
                .where(_pending_filter(state)).order_by(IndexOutbox.id).limit(BATCH)
            ).all()
            changed = _expire_gaps(state, rows)
            if rows:
                written += _apply(path, {r.case_ref for r in rows}, timeout)
                _advance(state, rows)
                changed = True
            if changed:
                write_state(path, state)
            if len(rows) < BATCH:
                break
    db.session.commit()  # end the read transaction (SQLite keeps its snapshot otherwise)
    if rebuild_reason:
        heal(rebuild_reason)
        return written + follow_once(timeout)
    _heartbeat()
    return written


def _apply(path: str, refs: set[str], timeout: float) -> int:
    """Write the current database state of ``refs`` into the index (one writer, one commit)."""
    with search_state.index_lock:
        ix = search_state.indexes.get(path)
    if ix is None:  # never heal here: the host lock is held
        ix = index.open_index(path, create=False)
    cases = {c.ref: c for c in db.session.scalars(select(Case).where(Case.ref.in_(refs)))}
    writer = index.open_writer(ix, max(timeout, 0.05))
    try:
        for ref in refs:
            case = cases.get(ref)
            if case is not None and case.status == "published":
                writer.update_document(**index.case_to_doc(case_to_dict(case)))
            else:
                writer.delete_by_term("ref", ref)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    index.mark_stale(ix)
    return len(refs)


def _advance(state: dict, rows) -> None:
    """Move max_seen past the applied rows; the ids skipped on the way become gaps."""
    seen = {r.id for r in rows}
    for rid in seen:
        state["gaps"].pop(rid, None)
    top = max(seen)
    if top > state["max_seen"]:
        created = {r.id: r.created_at for r in rows}
        # A missing id was taken before the next visible row was written: date the gap by that row.
        # Even an old one: a transaction may still hold it open (_expire_gaps checks that).
        next_time = None
        for rid in range(top, state["max_seen"], -1):
            if rid in created:
                next_time = _epoch(created[rid])
            elif len(state["gaps"]) < MAX_GAPS:
                state["gaps"][rid] = next_time
        state["max_seen"] = top


def _epoch(naive_utc) -> float:
    if naive_utc is None:
        return time.time()
    return (naive_utc - utcnow()).total_seconds() + time.time()


def _expire_gaps(state: dict, rows) -> bool:
    """Drop gaps older than GAP_TIMEOUT that are still not visible (rolled back).

    On PostgreSQL a gap is dropped only once no transaction of this database that was running
    when the gap timed out is running still: the id may belong to a transaction held open longer
    than the timeout, whose row becomes visible when it commits."""
    if not state["gaps"]:
        return False
    visible = {r.id for r in rows}
    limit = time.time() - _setting("CONSULT_SEARCH_GAP_TIMEOUT", GAP_TIMEOUT)
    old = [g for g, t in state["gaps"].items() if t < limit and g not in visible]
    if not old:
        return False
    held = state.setdefault("held", {})
    running = running_transactions()
    dropped = 0
    for g in old:
        if running is not None:
            held.setdefault(g, sorted(running))  # the transactions that may own id g
            if running.intersection(held[g]):
                continue
        del state["gaps"][g]
        held.pop(g, None)
        dropped += 1
    return True


def running_transactions() -> set[str] | None:
    """Ids of the write transactions of this database running now (PostgreSQL), else None.

    Read from pg_stat_activity (backend_xid, shown for every session) and pg_prepared_xacts."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    return set(db.session.scalars(text(
        "SELECT backend_xid::text FROM pg_stat_activity"
        " WHERE datname = current_database() AND backend_xid IS NOT NULL"
        " UNION SELECT transaction::text FROM pg_prepared_xacts WHERE database = current_database()")))


# --------------------------------------------------------------------------- heartbeat, pruning



def _heartbeat(force: bool = False) -> None:
    """Report this host's position when it moved, else at most every HEARTBEAT_EVERY seconds."""
    state = read_state()
    if state is None:
        return
    me, now, pos = host_id(), time.monotonic(), position_of(state)
    last = search_state.beats.get(me)
    if not force and last is not None and last[1] == pos and now - last[0] < HEARTBEAT_EVERY:
        return
    search_state.beats[me] = (now, pos)
    try:
        values = {"position": pos, "seen_at": utcnow()}
        row = db.session.get(SearchHost, host_id())
        if row is None:
            db.session.add(SearchHost(host_id=host_id(), **values))
        else:
            row.position, row.seen_at = values["position"], values["seen_at"]
        db.session.commit()
    except IntegrityError:  # another worker of this host inserted it first
        db.session.rollback()
    except Exception:
        log.exception("search heartbeat failed")
        db.session.rollback()


def prune_log(retain_hours: float | None = None) -> int:
    """Delete log rows below every live host's position (and older than the retention).

    Runs once per cluster (advisory lock); returns the number of rows deleted."""
    from consult.ops import cluster

    configured = current_app.config.get("CONSULT_SEARCH_LOG_RETAIN_HOURS")
    retain = float(retain_hours if retain_hours is not None else configured if configured not in (None, "") else 24)
    ttl = _setting("CONSULT_SEARCH_HOST_TTL", HOST_TTL)
    with cluster.once("search-prune-log") as mine:
        if not mine:
            return 0
        _heartbeat(force=True)
        live = db.session.scalar(select(func.min(SearchHost.position)).where(
            SearchHost.host_id != PRUNED, SearchHost.seen_at >= utcnow() - timedelta(seconds=ttl)))
        top = db.session.scalar(select(func.max(IndexOutbox.id))) or 0
        if live is None:
            return 0
        below = min(int(live), top - 1)  # keep the newest row: SQLite would reuse its id
        cutoff = utcnow() - timedelta(hours=retain)
        last = db.session.scalar(select(func.max(IndexOutbox.id)).where(
            IndexOutbox.id <= below, IndexOutbox.created_at <= cutoff))
        if not last:
            return 0
        deleted = db.session.execute(delete(IndexOutbox).where(IndexOutbox.id <= last)).rowcount
        row = db.session.get(SearchHost, PRUNED)
        if row is None:
            db.session.add(SearchHost(host_id=PRUNED, position=last, seen_at=utcnow()))
        else:
            row.position, row.seen_at = max(row.position, last), utcnow()
        db.session.commit()
        return deleted


# --------------------------------------------------------------------------- rebuild

def published_cases(session=None):
    """Every published case, streamed in id order (for a rebuild)."""
    session = session or db.session
    stmt = select(Case).where(Case.status == "published").order_by(Case.id).execution_options(yield_per=1000)
    for case in session.scalars(stmt):
        yield case_to_dict(case)


def reindex(progress=None) -> int:
    """Rebuild this host's index from one database snapshot, swap it in, and follow on."""
    with search_state.healing, host_lock(600, index_path(), suffix=".rebuild.lock"):
        count = _rebuild_locked(progress)
    drain()
    return count


def _rebuild_locked(progress=None) -> int:
    """Read the log ids and the cases in one snapshot, build aside, write the state, swap."""
    path = index_path()
    old = read_state(path)
    conn = db.engine.connect()
    try:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with Session(bind=conn) as session, session.begin():
            # The log first, then the cases (same snapshot on PostgreSQL; on SQLite writers are
            # serialised and anything committed after this read is past max_seen anyway).
            rows = session.execute(select(IndexOutbox.id, IndexOutbox.created_at).order_by(IndexOutbox.id)).all()
            floor = session.scalar(select(SearchHost.position).where(SearchHost.host_id == PRUNED)) or 0
            state = {"max_seen": rows[-1].id if rows else floor, "gaps": {}, "held": {}}
            _advance_from(state, floor, rows, old)
            count = index.rebuild(path, published_cases(session), progress=progress,
                                  before_swap=lambda tmp: write_state(tmp, state),
                                  swap_lock=host_lock(60, path))
    finally:
        conn.close()
    forget_index()
    _heartbeat(force=True)
    return count


def _advance_from(state: dict, start: int, rows, old: dict | None) -> None:
    """Gaps of a snapshot: ids between ``start`` and max_seen not visible in it."""
    created = {r.id: r.created_at for r in rows}
    old_gaps, old_held = (old or {}).get("gaps", {}), (old or {}).get("held", {})
    next_time = None
    for rid in range(state["max_seen"], start, -1):
        if rid in created:
            next_time = _epoch(created[rid])
        else:  # rolled back, or a transaction still open: the follower's next step tells (_expire_gaps)
            state["gaps"][rid] = old_gaps.get(rid) or next_time
            if rid in old_held:
                state.setdefault("held", {})[rid] = old_held[rid]
            if len(state["gaps"]) >= MAX_GAPS:
                break


# --------------------------------------------------------------------------- health, catching up

def status() -> dict:
    """This host's index against the database: position, lag, counts (for /healthz)."""
    path = index_path()
    out: dict = {"path": path}
    state = read_state(path)
    out["position"] = position_of(state)
    out["log_newest"] = db.session.scalar(select(func.max(IndexOutbox.id))) or 0
    oldest = None
    if state is not None:
        oldest = db.session.scalar(select(func.min(IndexOutbox.created_at)).where(_pending_filter(state)))
        out["pending"] = pending_count()
        out["gaps"] = len(state["gaps"])  # ids not visible yet; "held": kept for a transaction still open
        out["gaps_held"] = sum(1 for g in state.get("held", {}) if g in state["gaps"])
    out["lag_seconds"] = round(max(0.0, (utcnow() - oldest).total_seconds()), 1) if oldest else 0.0
    out["db_published"] = db.session.scalar(select(func.count()).select_from(Case).where(Case.status == "published"))
    ix = index.open_index(path, create=False)  # a fresh reader: does the index open at all?
    with ix.reader() as reader:
        out["index_documents"] = reader.doc_count()
    return out




def repair_if_due() -> None:
    """On requests: at most every CATCH_UP_EVERY s per process, apply new log rows (without
    waiting for the lock: whoever holds it applies them); every VERIFY_EVERY s, compare the
    index with the database and rebuild an index that disagrees once caught up."""
    now = time.monotonic()
    if now - search_state.last["catch_up"] >= CATCH_UP_EVERY:
        search_state.last["catch_up"] = now
        try:
            state = read_state()
            if state is None or db.session.scalar(select(IndexOutbox.id).where(_pending_filter(state)).limit(1)):
                drain(timeout=0)
            else:
                _heartbeat()
        except Exception:
            log.exception("search catch-up failed")
            db.session.rollback()
    if now - search_state.last["verify"] >= _setting("CONSULT_SEARCH_VERIFY_EVERY", VERIFY_EVERY):
        search_state.last["verify"] = now
        verify()


def verify() -> str | None:
    """Rebuild when the caught-up index and the database disagree on the count; returns why."""
    try:
        st = status()
        if st.get("pending") == 0 and st["index_documents"] != st["db_published"]:
            drain(timeout=5)  # a publish may have landed between the two counts
            st = status()
            if st.get("pending") == 0 and st["index_documents"] != st["db_published"]:
                reason = f"index has {st['index_documents']} documents, database {st['db_published']}"
                heal(reason + " (forced)")
                return reason
    except Exception:
        log.exception("search index check failed")
        with contextlib.suppress(Exception):
            db.session.rollback()
    return None


def guarded(run):
    """Run ``run(ix)`` (a search); when the index fails to read, rebuild it and run again once."""
    try:
        return run(get_index())
    except index.IndexBusyError:
        raise
    except Exception as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        log.exception("search failed; checking and rebuilding the index")
        db.session.rollback()
        heal(f"unreadable (search failed: {type(exc).__name__})")
        return run(get_index())


FOLLOW_EVERY = 0.5           # seconds between polls of the log without LISTEN/NOTIFY (SQLite)
LISTEN_FALLBACK = 5.0        # seconds between polls while PostgreSQL notifications wake the follower
NOTIFY_SETTLE = 0.05         # seconds a woken follower waits before applying (see Listener.wait)
CHANNEL = "consult_index_log"  # NOTIFY'd by a trigger on index_outbox (migration d16c4a7e2b90)


class Listener:
    """LISTEN on the index log's channel (PostgreSQL): ``wait(seconds)`` returns early when a
    transaction that wrote log rows commits.  Without PostgreSQL, or while the connection is
    broken, it only sleeps (the follower polls) and reconnects on the next wait."""

    def __init__(self):
        self.conn = None
        self.failed_at = None

    def _connect(self) -> None:
        if db.engine.dialect.name != "postgresql":
            return
        conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            conn.exec_driver_sql(f"LISTEN {CHANNEL}")
        except Exception:
            conn.invalidate()
            conn.close()
            raise
        self.conn = conn

    @property
    def listening(self) -> bool:
        """True while notifications arrive (else the follower polls)."""
        return self.conn is not None

    def start(self) -> bool:
        """Start listening (before the first look at the log, so no commit is missed)."""
        if self.conn is None:
            try:
                self._connect()
            except Exception as exc:
                if self.failed_at is None:
                    log.warning("LISTEN %s failed (%s); polling the index log", CHANNEL, exc)
                self.failed_at = time.monotonic()
        return self.listening

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when woken by a notification (all pending ones consumed)."""
        if self.conn is None:
            time.sleep(seconds)
            return False
        try:
            raw = self.conn.connection.driver_connection
            woken = any(True for _ in raw.notifies(timeout=seconds, stop_after=1))
            if woken:
                # Let the request that committed apply it to its own host first (it holds the host lock
                # right after its commit; racing it for the lock would make it wait for this process).
                time.sleep(NOTIFY_SETTLE)
                for _ in raw.notifies(timeout=0):  # several commits at once: one step applies them all
                    pass
            return woken
        except Exception as exc:
            log.warning("LISTEN connection lost (%s); polling the index log until it is back", exc)
            self.close()
            return False

    def close(self) -> None:
        """Stop listening and drop the connection."""
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.invalidate()
                self.conn.close()
        self.conn = None


def follow_forever(stop=None, every: float | None = None) -> None:
    """The follower of one host (`flask search follow`): apply the log when PostgreSQL notifies a
    commit of log rows (else every ``every`` seconds), check the index against the database every
    VERIFY_EVERY seconds, prune the log hourly."""
    every = every or _setting("CONSULT_SEARCH_FOLLOW_EVERY", FOLLOW_EVERY)
    fallback = max(every, _setting("CONSULT_SEARCH_LISTEN_FALLBACK", LISTEN_FALLBACK))
    verify_every = _setting("CONSULT_SEARCH_VERIFY_EVERY", VERIFY_EVERY)
    last_verify = last_prune = 0.0
    listener = Listener()
    try:
        while stop is None or not stop.is_set():
            listener.start()
            try:
                follow_once(timeout=every)
            except index.IndexBusyError:
                pass
            except Exception:
                log.exception("search follow step failed")
                with contextlib.suppress(Exception):
                    db.session.rollback()
            now = time.monotonic()
            if now - last_verify >= verify_every:
                last_verify = now
                verify()
            if now - last_prune >= 3600:
                last_prune = now
                try:
                    prune_log()
                except Exception:
                    log.exception("pruning the index log failed")
                    db.session.rollback()
            db.session.remove()
            # A late transaction's commit notifies too; gap timeouts and checks go by the fallback clock.
            until_verify = verify_every - (time.monotonic() - last_verify)
            listener.wait(min(fallback, max(every, until_verify)) if listener.listening else every)
    finally:
        listener.close()
