"""Large exports as background jobs (audit finding 5: 100,000 tickets as .xlsx outlived the 60 s gunicorn timeout).

An export of more than CONSULT_EXPORT_INLINE_MAX_ROWS rows (default 5,000) is not written in the request: the
request stores an `ExportJob` (who, what, the filters) and shows its progress page. A worker — `flask --app app
exports work` (a service of its own, docs/deploy.md) or, failing that, `flask --app app jobs run` — claims the job,
reads the rows in short keyset-paged transactions (no long read blocking SQLite writers, no cursor across commits),
writes the file, and stores it in the database in 1 MB parts, so any worker on any host can serve it. Only the
person who asked may see the job or download the file (anyone else: 404). Files are removed after
CONSULT_EXPORT_KEEP_DAYS days (default 7) by `jobs run`; the job row stays, as the audit events do.

Claiming is safe across processes and hosts: a conditional UPDATE (status still claimable) that only one process can
win, after SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL so that workers do not queue behind each other. A running
job refreshes `heartbeat_at` with every page of rows; one whose heartbeat is older than CONSULT_EXPORT_STALE_SECONDS
(default 120) belongs to a crashed worker and is claimed again, up to MAX_ATTEMPTS, then failed with a Japanese
message. A worker that finds its claim taken over stops without writing anything.
"""
from __future__ import annotations

import logging
import os
import secrets
import socket
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, insert, or_, select, update
from werkzeug.datastructures import MultiDict

from consult.audit import record
from models import Case, ExportJob, ExportJobPart, Ticket, db, dialects, utcnow

from . import exports
from .periods import JST_OFFSET, Period

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2
PAGE_ROWS = 2000
PART_BYTES = 1 << 20
ACTIVE = ("queued", "running")
WAIT_HINT = timedelta(minutes=10)

FAILED_MESSAGE = ("書き出しの途中でエラーが発生したため、中止しました。条件を変えるか、時間をおいてもう一度書き出してください。"
                  "続くときは管理者に連絡してください。")
STALE_MESSAGE = ("書き出しの処理が途中で止まったまま再開できませんでした（{attempts}回試行）。"
                 "もう一度書き出してください。続くときは管理者に連絡してください。")
SHEETS = {"ticket": "相談", "case": "解決事例"}
STEMS = {"ticket": "tickets", "case": "cases"}


class ClaimLost(Exception):
    """Another worker took this job over (this one was presumed dead): stop without writing."""


def inline_max_rows() -> int:
    """Exports with more rows than this run as a background job."""
    return int(current_app.config.get("CONSULT_EXPORT_INLINE_MAX_ROWS", 5000))


def keep_days() -> int:
    """How long a finished export file is kept."""
    return int(current_app.config.get("CONSULT_EXPORT_KEEP_DAYS", 7))


def stale_seconds() -> int:
    """A running job without a heartbeat for this long belongs to a worker that died."""
    return int(current_app.config.get("CONSULT_EXPORT_STALE_SECONDS", 120))


# --- what is exported ------------------------------------------------------------------------------


def make_params(args: MultiDict | dict, include_internal: bool = False, period: Period | None = None) -> dict:
    """The JSON-ready description of an export: the queue arguments, internal notes, the period's dates."""
    plain = args.to_dict(flat=False) if hasattr(args, "to_dict") else {k: list(v) for k, v in args.items()}
    return {"args": plain, "include_internal": bool(include_internal),
            "period": [period.start.isoformat(), period.end.isoformat()] if period is not None else None}


def _period(params: dict) -> Period | None:
    if not params.get("period"):
        return None
    start, end = (date.fromisoformat(v) for v in params["period"])
    return Period("custom", start, end, "")


def header(kind: str, params: dict) -> list[str]:
    """The header row of this export."""
    if kind == "case":
        return list(exports.CASE_HEADER)
    return exports.TICKET_HEADER + ([exports.INTERNAL_HEADER] if params.get("include_internal") else [])


def statement(kind: str, params: dict):
    """The export's SELECT (rows in id order), its id column, its row function, and a SELECT of given ids."""
    period = _period(params)
    if kind == "case":
        return (exports.case_select(period), Case.id, exports.case_row,
                lambda ids: exports.case_select(ids=ids))
    args, internal = MultiDict(params.get("args") or {}), bool(params.get("include_internal"))
    return (exports.ticket_select(args, internal, period), Ticket.id, exports.ticket_row,
            lambda ids: exports.ticket_select(args, internal, ids=ids))


def needs_job(kind: str, params: dict) -> bool:
    """True when the export has more rows than may be written within a request."""
    stmt = statement(kind, params)[0]
    limit = inline_max_rows()
    return exports.count_at_most(stmt, limit + 1) > limit


def filename(kind: str, fmt: str) -> str:
    """tickets-20260401-0930.xlsx (JST time of the request)."""
    return f"{STEMS[kind]}-{(utcnow() + JST_OFFSET):%Y%m%d-%H%M}.{fmt}"


# --- the request side ------------------------------------------------------------------------------


def request_export(actor, kind: str, fmt: str, params: dict) -> ExportJob:
    """Queue an export for `actor` (the same one still waiting is reused, so a reload does not queue it twice)."""
    for job in db.session.scalars(select(ExportJob).where(
            ExportJob.requested_by_id == actor.id, ExportJob.status.in_(ACTIVE),
            ExportJob.kind == kind, ExportJob.format == fmt)):
        if job.params == params:
            return job
    job = ExportJob(requested_by_id=actor.id, kind=kind, format=fmt, params=params, status="queued",
                    filename=filename(kind, fmt), created_at=utcnow())
    db.session.add(job)
    db.session.flush()
    record("export.requested", "export_job", job.id, actor=actor,
           after={"kind": kind, "format": fmt, "include_internal": bool(params.get("include_internal")),
                  "filters": {k: v for k, v in (params.get("args") or {}).items()}, "period": params.get("period")})
    db.session.commit()
    return job


def job_of(actor, job_id: int) -> ExportJob | None:
    """The job if `actor` asked for it (anyone else gets None, answered as 404)."""
    job = db.session.get(ExportJob, job_id)
    return job if job is not None and job.requested_by_id == actor.id else None


def jobs_of(actor, limit: int = 50) -> list[ExportJob]:
    """The person's recent export jobs, newest first."""
    return list(db.session.scalars(select(ExportJob).where(ExportJob.requested_by_id == actor.id)
                                   .order_by(ExportJob.id.desc()).limit(limit)))


def queue_position(job: ExportJob) -> int:
    """How many queued jobs are ahead of this one."""
    return db.session.scalar(select(func.count(ExportJob.id)).where(
        ExportJob.status == "queued", ExportJob.id < job.id)) or 0


def waiting_long(job: ExportJob, now=None) -> bool:
    """Queued for more than 10 minutes: no worker seems to be running (the page tells the person to ask)."""
    return job.status == "queued" and job.created_at is not None and (now or utcnow()) - job.created_at > WAIT_HINT


def downloadable(job: ExportJob, now=None) -> bool:
    """A finished file that has not expired."""
    return job.status == "done" and (job.expires_at is None or job.expires_at > (now or utcnow()))


def record_download(job: ExportJob, actor) -> None:
    """Audit a download of the file (it may hold personal information)."""
    record("export.downloaded", "export_job", job.id, actor=actor,
           after={"kind": job.kind, "format": job.format, "filename": job.filename, "size": job.size})
    db.session.commit()


def file_parts(job_id: int) -> Iterator[bytes]:
    """The stored file, one part (≤ 1 MB) per query, in order."""
    seqs = list(db.session.scalars(select(ExportJobPart.seq).where(ExportJobPart.job_id == job_id)
                                   .order_by(ExportJobPart.seq)))
    db.session.commit()
    for seq in seqs:
        data = db.session.scalar(select(ExportJobPart.data).where(ExportJobPart.job_id == job_id,
                                                                   ExportJobPart.seq == seq))
        db.session.commit()
        if data:
            yield bytes(data)


# --- the worker side -------------------------------------------------------------------------------


def worker_name() -> str:
    """host:pid:random — who holds a claim."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def _claimable(stale_before):
    return or_(ExportJob.status == "queued",
               and_(ExportJob.status == "running", ExportJob.heartbeat_at < stale_before,
                    ExportJob.attempts < MAX_ATTEMPTS))


def fail_abandoned(now=None) -> int:
    """Fail the running jobs whose worker died and that have had their last attempt."""
    now = now or utcnow()
    stale_before = now - timedelta(seconds=stale_seconds())
    abandoned = list(db.session.scalars(select(ExportJob).where(
        ExportJob.status == "running", ExportJob.heartbeat_at < stale_before, ExportJob.attempts >= MAX_ATTEMPTS)))
    failed = 0
    for job in abandoned:
        result = db.session.execute(update(ExportJob).where(
            ExportJob.id == job.id, ExportJob.status == "running", ExportJob.heartbeat_at < stale_before)
            .values(status="failed", error=STALE_MESSAGE.format(attempts=job.attempts), finished_at=now, claim=None))
        if result.rowcount == 1:
            record("export.failed", "export_job", job.id, after={"reason": "stale", "attempts": job.attempts})
            failed += 1
    db.session.commit()
    return failed


def claim_next(worker: str, now=None) -> ExportJob | None:
    """Claim the oldest claimable job for `worker`, or None. Exactly one of several concurrent callers wins a job."""
    now = now or utcnow()
    stale_before = now - timedelta(seconds=stale_seconds())
    # PostgreSQL: rows another worker is claiming right now are skipped, not waited for; the conditional UPDATE
    # below is what makes a claim exclusive on both databases
    candidates = dialects.skip_locked(select(ExportJob.id).where(_claimable(stale_before)).order_by(ExportJob.id)
                                      .limit(5))
    for job_id in list(db.session.scalars(candidates)):
        result = db.session.execute(
            update(ExportJob).where(ExportJob.id == job_id, _claimable(stale_before))
            .values(status="running", claim=worker, attempts=ExportJob.attempts + 1, started_at=now,
                    heartbeat_at=now, progress=0, error=None)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            db.session.commit()
            return db.session.get(ExportJob, job_id)
    db.session.commit()
    return None


def _beat(job_id: int, worker: str, **values) -> None:
    """Refresh the heartbeat (and progress) in its own short transaction; ClaimLost if the job was taken over."""
    result = db.session.execute(update(ExportJob).where(ExportJob.id == job_id, ExportJob.claim == worker,
                                                        ExportJob.status == "running")
                                .values(heartbeat_at=utcnow(), **values).execution_options(synchronize_session=False))
    db.session.commit()
    if result.rowcount != 1:
        raise ClaimLost(job_id)


def _rows(job_id: int, worker: str, kind: str, params: dict) -> Iterator[list]:
    """The export's rows: the matching ids first (one query, also the total), then PAGE_ROWS rows at a time by id,
    each page its own short transaction followed by a heartbeat (no long read blocking SQLite writers, and the
    filters — a keyword search, say — are evaluated once, not once per page)."""
    stmt, id_col, to_row, by_ids = statement(kind, params)
    ids = list(db.session.scalars(stmt.with_only_columns(id_col)))
    db.session.commit()
    _beat(job_id, worker, total=len(ids))
    for start in range(0, len(ids), PAGE_ROWS):
        dialects.without_jit()  # a page is small: JIT-compiling its plan took 2.5 s of a 2.8 s page on PostgreSQL
        page = db.session.execute(by_ids(ids[start:start + PAGE_ROWS])).all()
        db.session.commit()
        yield from (to_row(r) for r in page)
        _beat(job_id, worker, progress=min(start + PAGE_ROWS, len(ids)))


def _csv_file(head: list[str], rows: Iterator[list]):
    tmp = tempfile.TemporaryFile()
    for chunk in exports.csv_chunks(head, rows):
        tmp.write(chunk.encode("utf-8"))
    tmp.seek(0)
    return tmp


def _write(job: ExportJob, worker: str):
    """Write the job's file to an anonymous temporary file (rewound)."""
    kind, fmt, params = job.kind, job.format, dict(job.params or {})
    head, rows = header(kind, params), _rows(job.id, worker, kind, params)
    if fmt == "csv":
        return _csv_file(head, rows)
    from .xlsx import write

    return write(SHEETS[kind], head, rows)


def _store(job_id: int, worker: str, tmp, now) -> int:
    """Store the file in parts and mark the job done, in one transaction (nothing stored if the claim was lost)."""
    size, seq = 0, 0
    while chunk := tmp.read(PART_BYTES):
        db.session.execute(insert(ExportJobPart), [{"job_id": job_id, "seq": seq, "data": chunk}])
        size, seq = size + len(chunk), seq + 1
    result = db.session.execute(update(ExportJob).where(ExportJob.id == job_id, ExportJob.claim == worker,
                                                        ExportJob.status == "running")
                                .values(status="done", size=size, finished_at=now, heartbeat_at=now,
                                        expires_at=now + timedelta(days=keep_days()))
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise ClaimLost(job_id)
    record("export.completed", "export_job", job_id, after={"size": size})
    db.session.commit()
    return size


def run(job: ExportJob, worker: str) -> str:
    """Do one claimed job; returns its new status ('done', 'failed', or 'lost' when taken over)."""
    job_id = job.id
    try:
        tmp = _write(job, worker)
        try:
            _store(job_id, worker, tmp, utcnow())
        finally:
            tmp.close()
        return "done"
    except ClaimLost:
        db.session.rollback()
        log.warning("export job %s was taken over by another worker; this one stops", job_id)
        return "lost"
    except Exception:  # any failure: the person gets a Japanese message, the log the details
        db.session.rollback()
        log.exception("export job %s failed", job_id)
        result = db.session.execute(update(ExportJob).where(ExportJob.id == job_id, ExportJob.claim == worker)
                                    .values(status="failed", error=FAILED_MESSAGE, finished_at=utcnow(), claim=None)
                                    .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            record("export.failed", "export_job", job_id, after={"reason": "error"})
        db.session.commit()
        return "failed"


def work(worker: str | None = None, max_jobs: int | None = None) -> dict[str, int]:
    """Run claimable jobs until none is left (or `max_jobs`); returns counts per outcome."""
    worker = worker or worker_name()
    counts = {"done": 0, "failed": fail_abandoned(), "lost": 0}
    while max_jobs is None or sum(counts.values()) < max_jobs:
        job = claim_next(worker)
        if job is None:
            break
        counts[run(job, worker)] += 1
    return counts


def expire(now=None) -> int:
    """Remove the files of exports past their keeping time (the job rows stay, marked 保存期間切れ)."""
    now = now or utcnow()
    ids = list(db.session.scalars(select(ExportJob.id).where(ExportJob.status == "done", ExportJob.expires_at <= now)))
    for job_id in ids:
        db.session.execute(delete(ExportJobPart).where(ExportJobPart.job_id == job_id))
        db.session.execute(update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == "done")
                           .values(status="expired").execution_options(synchronize_session=False))
        record("export.expired", "export_job", job_id)
    db.session.commit()
    return len(ids)
