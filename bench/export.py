"""Benchmark of the big exports (audit finding 5): every ticket of a bench/seed_scale.py database, inline vs. job.

    .venv/bin/python bench/export.py --database-url sqlite:///instance/scale.sqlite3 [--formats xlsx csv]

For each format it prints:
  inline   — what one request would do without the background job: count, read every row, write the file
             (what the user waits for, against the 60 s gunicorn timeout);
  request  — the request that queues the job instead (the row count up to the threshold + one insert);
  job      — the worker: claim, keyset-paged rows with heartbeats, write, store the file in 1 MB parts;
  download — reading the stored file back part by part (what the download request does).
The database is migrated first if needed; the bench's job rows are removed at the end.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, select  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from consult import create_app  # noqa: E402
from consult.reports import exportjobs, exports  # noqa: E402
from models import AuditEvent, ExportJob, ExportJobPart, User, db, dialects  # noqa: E402


def _inline(fmt: str, args, include: bool) -> tuple[int, int]:
    """What the request did before: rows and bytes of the whole file."""
    stmt = exports.ticket_select(args, include)
    rows = exports.count_all(stmt)
    head = exports.TICKET_HEADER + ([exports.INTERNAL_HEADER] if include else [])
    if fmt == "csv":
        size = sum(len(c.encode()) for c in exports.csv_chunks(head, exports.ticket_rows(args, include)))
    else:
        tmp = exports.write_xlsx("相談", head, exports.ticket_rows(args, include))
        size = os.fstat(tmp.fileno()).st_size
        tmp.close()
    return rows, size


def _request(staff, fmt: str, params: dict):
    """What the export request does above the threshold."""
    return exportjobs.needs_job("ticket", params), exportjobs.request_export(staff, "ticket", fmt, params)


def _read_back(job_id: int) -> int:
    """What the download does: every stored part, in order."""
    return sum(len(p) for p in exportjobs.file_parts(job_id))


def _timed(func, *args):
    started = time.perf_counter()
    result = func(*args)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--formats", nargs="+", default=["xlsx", "csv"], choices=["xlsx", "csv"])
    parser.add_argument("--include-internal", action="store_true")
    parser.add_argument("--skip-inline", action="store_true", help="time only the job path")
    args = parser.parse_args()
    tmpdir = tempfile.mkdtemp(prefix="bench_export_")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": args.database_url,
                      "CONSULT_SEARCH_INDEX": os.path.join(tmpdir, "index"), "CONSULT_INSTANCE": tmpdir})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(Path(__file__).resolve().parents[1] / "migrations"))
    query = MultiDict({"f": "1"})
    with app.test_request_context():
        staff = db.session.scalar(select(User).where(User.role.in_(("dx_staff", "admin"))).order_by(User.id))
        print(f"database: {dialects.name()}; threshold {exportjobs.inline_max_rows():,} rows "
              f"(CONSULT_EXPORT_INLINE_MAX_ROWS); gunicorn timeout 60 s", flush=True)
        made = []
        try:
            for fmt in args.formats:
                if not args.skip_inline:
                    (rows, size), took = _timed(_inline, fmt, query, args.include_internal)
                    print(f"{fmt:4} inline    rows={rows:>7,}  {took:6.1f} s  size={size / 1e6:5.1f} MB  "
                          f"({'over' if took > 60 else 'under'} the 60 s timeout)", flush=True)
                params = exportjobs.make_params(query, args.include_internal)
                (needs, job), took = _timed(_request, staff, fmt, params)
                made.append(job.id)
                print(f"{fmt:4} request   job queued={needs}  {took:6.2f} s  (the request answers with the progress page)",
                      flush=True)
                worker = exportjobs.worker_name()
                claimed = exportjobs.claim_next(worker)
                status, took = _timed(exportjobs.run, claimed, worker)
                job = db.session.get(ExportJob, job.id)
                print(f"{fmt:4} job       rows={job.progress:>7,}  {took:6.1f} s  size={(job.size or 0) / 1e6:5.1f} MB  "
                      f"status={status}", flush=True)
                size, took = _timed(_read_back, job.id)
                print(f"{fmt:4} download  {size / 1e6:5.1f} MB read back in {took:6.2f} s", flush=True)
        finally:
            for job_id in made:
                db.session.execute(delete(ExportJobPart).where(ExportJobPart.job_id == job_id))
                db.session.execute(delete(AuditEvent).where(AuditEvent.object_type == "export_job",
                                                            AuditEvent.object_id == job_id))
                db.session.execute(delete(ExportJob).where(ExportJob.id == job_id))
            db.session.commit()


if __name__ == "__main__":
    main()
