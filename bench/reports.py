"""Benchmark of the reports area: dashboard render time and a 100,000-row CSV export (time, peak memory).

    .venv/bin/python bench/reports.py [--database-url URL] [--tickets N] [--runs 5]

Creates (or reuses, when it already holds N tickets) a database filled by fast core bulk inserts:
tickets spread over 5 years with growth, Zipf-like department sizes, realistic statuses and delays.
Targets: dashboard ≤ 500 ms (p95, issue 8), CSV export of every ticket ≤ 10 s with flat memory.
"""
from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select  # noqa: E402

from consult import create_app  # noqa: E402
from consult.businessdays import due_date  # noqa: E402
from models import (  # noqa: E402
    RESOLUTION_TYPES,
    Case,
    Category,
    Comment,
    Department,
    SearchLog,
    SuggestionClick,
    Ticket,
    User,
    db,
    utcnow,
)

PASSWORD = "bench-password-42"
BATCH = 5000


def make_app(url: str, workdir: Path):
    """An app on the benchmark database (testing config: no CSRF, no rate limit)."""
    return create_app({
        "TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False, "MAIL_SERVER": "", "CONSULT_SEARCH_INDEX": str(workdir / "index"),
        "CONSULT_ATTACHMENTS": str(workdir / "att"), "CONSULT_INSTANCE": str(workdir / "instance"),
        "CONSULT_TOTP_REQUIRED_ROLES": "",  # page timings, not the second-factor step
    })


def _bulk(model, rows: list[dict]) -> None:
    """Core executemany insert in batches."""
    for i in range(0, len(rows), BATCH):
        db.session.execute(insert(model), rows[i:i + BATCH])


def populate(n: int, seed: int = 42) -> None:
    """Fill an empty database with reference data and n tickets (plus comments, cases, usage logs)."""
    from consult.auth.passwords import hash_password

    rng = random.Random(seed)
    pw = hash_password(PASSWORD)
    _bulk(Department, [{"id": b, "code": f"B{b:02d}", "name": f"第{b}部"} for b in range(1, 11)])
    _bulk(Department, [{"id": 100 + b * 10 + k, "code": f"B{b:02d}K{k}", "name": f"第{b}部 {k}課", "parent_id": b}
                       for b in range(1, 11) for k in range(1, 6)])
    dept_ids = [100 + b * 10 + k for b in range(1, 11) for k in range(1, 6)]
    weights = [1 / (i + 1) ** 0.8 for i in range(len(dept_ids))]
    _bulk(Category, [{"id": i, "name": f"分類{i}", "sort_order": i} for i in range(1, 9)])
    staff = [{"id": i, "login": f"staff{i}", "name": f"DX担当 {i}", "role": "dx_staff", "password_hash": pw} for i in range(1, 9)]
    requesters = [{"id": 100 + i, "login": f"req{i}", "name": f"職員 {i}", "role": "requester", "password_hash": pw,
                   "department_id": dept_ids[i % len(dept_ids)]} for i in range(300)]
    _bulk(User, staff + requesters)
    now = utcnow()
    start = now - timedelta(days=5 * 365)
    rows, comments = [], []
    for i in range(1, n + 1):
        created = start + timedelta(days=5 * 365 * rng.random() ** 0.8, minutes=rng.randrange(1440))
        created = min(created, now - timedelta(minutes=5))
        age = (now - created).days
        dept = rng.choices(dept_ids, weights)[0]
        fr = created + timedelta(hours=rng.expovariate(1 / 30)) if age > 2 or rng.random() < 0.5 else None
        status, resolved, closed, withdrawn, rtype, hours = "new", None, None, None, None, None
        if fr:
            status = rng.choice(("triaged", "in_progress", "waiting"))
            if rng.random() < min(0.97, age / 60):
                resolved = fr + timedelta(days=rng.expovariate(1 / 12))
                status, rtype = "resolved", rng.choice(RESOLUTION_TYPES)
                hours = rng.choice((None, 10, 20, 50, 100, 200, 500))
                if resolved < now - timedelta(days=14):
                    status, closed = "closed", resolved + timedelta(days=14)
                if resolved > now:
                    status, resolved, rtype = "in_progress", None, None
        if status == "new" and rng.random() < 0.03:
            status, withdrawn = "withdrawn", created + timedelta(days=1)
        main = rng.randrange(1, 9) if status != "new" else None
        rows.append({
            "id": i, "number": f"DX-{created.year}-{i:06d}", "title": f"業務の相談 {i}（Excel集計の効率化）",
            "department_id": dept, "requester_id": 100 + dept_ids.index(dept) % 300, "problem": "毎月の集計に時間がかかる",
            "category_id": rng.choice((None, 1, 2, 3, 4, 5, 6, 7, 8)), "status": status, "priority": "normal",
            "urgency": "medium", "main_handler_id": main, "backup_handler_id": rng.choice((None, (main or 1) % 8 + 1)),
            "created_at": created, "updated_at": resolved or fr or created, "first_response_at": fr,
            "resolved_at": resolved, "closed_at": closed, "withdrawn_at": withdrawn, "resolution_type": rtype,
            "hours_saved_per_year": hours, "first_response_due": due_date(created, 2), "resolution_due": due_date(created, 10),
            "intake_token": f"tok-{i}" if i % 5 == 0 else None, "version": 1,
        })
        if i % 3 == 0:
            comments.append({"ticket_id": i, "author_id": main or 1, "body": "確認しました。", "internal": False, "created_at": created})
        if i % 7 == 0:
            comments.append({"ticket_id": i, "author_id": main or 1, "body": "内部メモ：担当課に確認", "internal": True, "created_at": created})
        if len(rows) >= BATCH:
            _bulk(Ticket, rows)
            rows = []
    _bulk(Ticket, rows)
    _bulk(Comment, comments)
    _bulk(Case, [{"id": i, "ref": f"B-{i:04d}", "title": f"事例 {i}", "status": "published", "published_at": now,
                  "view_count": rng.randrange(500), "helpful_count": rng.randrange(50), "hours_saved_per_year": rng.randrange(400),
                  "tools": [], "tags": [], "acknowledged_findings": [], "version": 1} for i in range(1, 201)])
    _bulk(SearchLog, [{"source": rng.choice(("browse", "suggest")), "query": "集計", "created_at": start + timedelta(days=rng.random() * 1825)}
                      for _ in range(n // 2)])
    _bulk(SuggestionClick, [{"case_id": rng.randrange(1, 201), "intake_token": f"tok-{rng.randrange(1, n + 1)}",
                             "created_at": start + timedelta(days=rng.random() * 1825)} for _ in range(n // 5)])
    db.session.commit()


def timed_get(client, url: str) -> tuple[float, int, int]:
    """GET url, consuming a streamed body chunk by chunk: (seconds, status, bytes)."""
    t0 = time.perf_counter()
    response = client.get(url, buffered=False)
    size = 0
    for chunk in response.response:
        size += len(chunk)
    response.close()
    return time.perf_counter() - t0, response.status_code, size


def _p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def main() -> None:
    """Build or reuse the database, then print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", metavar="SQLITE_FILE", help="an existing SQLite benchmark file")
    parser.add_argument("--no-xlsx", action="store_true", help="skip the (slow) .xlsx export")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    if args.database_url is None and args.reuse:
        url = f"sqlite:///{Path(args.reuse).resolve()}"
    app = make_app(url, workdir)
    with app.app_context():
        db.create_all()  # a benchmark database, not a deployed one: no migrations needed
        have = db.session.scalar(select(func.count()).select_from(Ticket))
        if have != args.tickets:
            if have:
                sys.exit(f"{url} holds {have} tickets, not {args.tickets}: use an empty database or --tickets {have}")
            t0 = time.perf_counter()
            populate(args.tickets)
            print(f"populated {args.tickets:,} tickets in {time.perf_counter() - t0:.1f} s ({db.engine.dialect.name})")
        else:
            print(f"reusing {have:,} tickets ({db.engine.dialect.name})")
    client = app.test_client()
    client.post("/login", data={"login": "staff1", "password": PASSWORD})
    today = date.today()
    periods = {
        "今年度": "/reports/?period=fy",
        "前年度": "/reports/?period=last_fy",
        "今月": "/reports/?period=month",
        "5年間": f"/reports/?period=custom&start={today.replace(year=today.year - 5).isoformat()}&end={today.isoformat()}",
    }
    for label, url_ in periods.items():
        timed_get(client, url_)  # warm-up (holiday tables, template compilation)
        times, cpu = [], []
        for _ in range(args.runs):
            c0 = time.process_time()
            seconds, status, _size = timed_get(client, url_)
            cpu.append(time.process_time() - c0)
            assert status == 200, status
            times.append(seconds)
        print(f"dashboard {label}: p50 {statistics.median(times) * 1000:.0f} ms wall (p95 {_p95(times) * 1000:.0f}, "
              f"min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}), p50 {statistics.median(cpu) * 1000:.0f} ms CPU "
              f"(p95 {_p95(cpu) * 1000:.0f}) — target p95 ≤ 500 ms")
    for name, url_ in (("CSV", "/reports/export/tickets.csv?f=1"), ("CSV+内部メモ", "/reports/export/tickets.csv?f=1&include_internal=y")):
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        c0 = time.process_time()
        seconds, status, size = timed_get(client, url_)
        cpu = time.process_time() - c0
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        timed_get(client, url_)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"export {name} of {args.tickets:,} tickets: {seconds:.2f} s wall, {cpu:.2f} s CPU, {size / 1e6:.1f} MB, status {status}, "
              f"peak Python memory {peak / 1e6:.1f} MB (tracemalloc), max RSS growth {(rss1 - rss0) / 1024:.1f} MB — target ≤ 10 s")
    if args.no_xlsx:
        return
    seconds, status, size = timed_get(client, "/reports/export/tickets.xlsx?f=1")
    print(f"export XLSX of {args.tickets:,} tickets: {seconds:.2f} s, {size / 1e6:.1f} MB, status {status}")


if __name__ == "__main__":
    main()
