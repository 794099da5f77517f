"""Page latency at scale: p50/p95 wall and CPU time of the main pages, in-process with a logged-in session.

Usage:
    python bench/seed_scale.py --database-url URL --search-index DIR --reindex     # once: 100,000 tickets
    python bench/pages.py --database-url URL --search-index DIR [--runs 40] [--only queue,ticket]

Uses the Flask test client against the real database (SQLite file or PostgreSQL); every page is
requested `--runs` times after a warm-up, rotating over different tickets/cases/filters so that
one cached row does not flatter the figures. Prints wall p50/p95 and CPU (time.process_time) p50/p95
per page with its target (p95 ≤ 100 ms, dashboard ≤ 500 ms). The machine may be shared: compare the
CPU time with the wall time, and look at the load average printed at the start and at the end.
Indexes of the models that the database lacks (a database migrated before they were added) are
created first, and the planner statistics refreshed (ANALYZE; VACUUM ANALYZE on PostgreSQL, as autovacuum
would do after a bulk load), unless --no-ensure-indexes.
"""
from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, inspect, select, text  # noqa: E402

PASSWORD = "scale-pass-2026"  # bench/seed_scale.py
ADMIN_LOGIN = "bench-admin"
TARGET_MS = 100
TARGETS = {"dashboard": 500, "dashboard (前年度)": 500}


def make_app(url: str, index_dir: str):
    """An app on the scale database: production settings except CSRF and rate limits (in-process client)."""
    from consult import create_app

    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    logging.getLogger("consult").setLevel(logging.WARNING)  # no JSON line per request in the output
    return create_app({
        "SQLALCHEMY_DATABASE_URI": url, "CONSULT_SEARCH_INDEX": index_dir, "SECRET_KEY": "bench-pages-secret-0123456789",
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "MAIL_SERVER": "",
        "CONSULT_ATTACHMENTS": str(work / "att"), "CONSULT_INSTANCE": str(work / "instance"),
        "CONSULT_TOTP_REQUIRED_ROLES": "",  # page timings, not the second-factor step
    })


def ensure_indexes(app) -> list[str]:
    """Create the model indexes missing from the database, then ANALYZE; returns the names created."""
    from models import db

    created = []
    with app.app_context():
        insp = inspect(db.engine)
        for table in db.metadata.sorted_tables:
            if not insp.has_table(table.name):
                continue
            have = {ix["name"] for ix in insp.get_indexes(table.name)}
            for index in table.indexes:
                if index.name not in have:
                    index.create(db.engine)
                    created.append(index.name)
        if db.engine.dialect.name == "postgresql":  # as autovacuum would have done: visibility map for index-only scans
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE) tickets, cases, comments, users, audit_events"))
        else:
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
    return created


def prepare(app) -> dict:
    """Pick the users, tickets and cases the pages are timed with (and an admin for the user list)."""
    from consult.auth.passwords import hash_password
    from models import Case, Category, Comment, Ticket, User, db

    with app.app_context():
        staff = db.session.scalar(select(User.login).where(User.role == "dx_staff").order_by(User.id).limit(1))
        # the requester of the busiest department sees the most tickets in 自分の相談
        dept = db.session.scalar(select(Ticket.department_id).group_by(Ticket.department_id)
                                 .order_by(func.count().desc()).limit(1))
        requester = db.session.scalar(select(User.login).where(User.role == "requester", User.department_id == dept)
                                      .order_by(User.id).limit(1))
        busy = select(Comment.ticket_id).group_by(Comment.ticket_id).order_by(func.count().desc(), Comment.ticket_id).limit(20)
        staff_tickets = list(db.session.scalars(select(Ticket.number).where(Ticket.id.in_(busy))))
        own_tickets = list(db.session.scalars(select(Ticket.number).where(Ticket.department_id == dept)
                                              .order_by(Ticket.id.desc()).limit(20)))
        cases = list(db.session.scalars(select(Case.ref).where(Case.status == "published").order_by(Case.id).limit(400)))[::20]
        category, category_name = db.session.execute(select(Category.id, Category.name).order_by(Category.id).limit(1)).one()
        if db.session.scalar(select(User.id).where(User.login == ADMIN_LOGIN)) is None:
            db.session.add(User(login=ADMIN_LOGIN, name="ベンチ 管理者", role="admin", password_hash=hash_password(PASSWORD)))
            db.session.commit()
        counts = {"tickets": db.session.scalar(select(func.count()).select_from(Ticket)),
                  "cases": db.session.scalar(select(func.count()).select_from(Case))}
    return {"staff": staff, "requester": requester, "staff_tickets": staff_tickets, "own_tickets": own_tickets,
            "cases": cases, "category": category, "category_name": category_name, "counts": counts}


def pages(ctx: dict) -> dict[str, tuple[str, list[str]]]:
    """Page name → (login, URLs to rotate over)."""
    cat = ctx["category"]
    today = date.today()
    return {
        "queue (既定: 未完了)": ("staff", ["/desk/", "/desk/?page=2", "/desk/?sort=created", "/desk/?sort=due"]),
        "queue (絞り込み)": ("staff", [f"/desk/?status=open&category={cat}&sort=priority", "/desk/?f=1&unassigned=1",
                                   "/desk/?status=closed&sort=updated&personal=1", "/desk/?status=open&overdue=1&urgency=high"]),
        "queue (キーワード)": ("staff", ["/desk/?f=1&q=Excel", "/desk/?status=open&q=集計", "/desk/?f=1&q=紙",
                                    "/desk/?f=1&q=押印 廃止", "/desk/?q=会議録の作成", "/desk/?f=1&q=AI",
                                    "/desk/?f=1&q=申請&sort=updated"]),
        "queue (1000ページ目)": ("staff", ["/desk/?f=1&sort=created&page=1000", "/desk/?f=1&sort=updated&page=1000",
                                     "/desk/?status=closed&sort=created_asc&page=1000"]),
        "ticket (DX担当)": ("staff", [f"/tickets/{n}" for n in ctx["staff_tickets"]]),
        "ticket (相談者)": ("requester", [f"/tickets/{n}" for n in ctx["own_tickets"]]),
        "my tickets": ("requester", ["/tickets/mine", "/tickets/mine?status=open", "/tickets/mine?scope=mine",
                                     "/tickets/mine?page=20"]),
        "case search": ("requester", ["/cases/?q=Excel 集計", "/cases/?q=押印 廃止", "/cases/",
                                      "/cases/?q=会議録の作成に時間がかかる&sort=helpful", f"/cases/?category={ctx['category_name']}"]),
        "case page": ("requester", [f"/cases/{ref}" for ref in ctx["cases"]]),
        "workload": ("staff", ["/desk/workload"]),
        "cases.manage": ("staff", ["/cases/manage", "/cases/manage?status=published&page=50", "/cases/manage?q=Excel"]),
        "admin users": ("admin", ["/admin/users", "/admin/users?role=requester&page=100", "/admin/users?q=scale01"]),
        "dashboard": ("staff", ["/reports/?period=fy", "/reports/?period=month"]),
        "dashboard (前年度)": ("staff", ["/reports/?period=last_fy"]),
        "dashboard (5年間)": ("staff", [f"/reports/?period=custom&start={today.replace(year=today.year - 5)}&end={today}"]),
    }


def login(app, login_id: str):
    """A test client logged in through the login form."""
    client = app.test_client()
    response = client.post("/login", data={"login": login_id, "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"login as {login_id} failed: {response.status_code}")
    return client


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def time_page(client, urls: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of `runs` GETs rotating over urls (after one warm-up per URL)."""
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: {response.status_code}")
    wall, cpu = [], []
    for i in range(runs):
        url = urls[i % len(urls)]
        c0, t0 = time.process_time(), time.perf_counter()
        response = client.get(url)
        response.get_data()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        assert response.status_code == 200, (url, response.status_code)
    return wall, cpu


def main() -> None:
    """Parse arguments, prepare, time every page, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("CONSULT_DATABASE_URL") or f"sqlite:///{ROOT}/instance/scale.sqlite3")
    parser.add_argument("--search-index", default=os.environ.get("CONSULT_SEARCH_INDEX") or str(ROOT / "instance" / "scale_index"))
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--only", default="", help="comma-separated substrings of page names")
    parser.add_argument("--no-ensure-indexes", action="store_true")
    args = parser.parse_args()
    app = make_app(args.database_url, args.search_index)
    if not args.no_ensure_indexes:
        created = ensure_indexes(app)
        if created:
            print("created missing indexes:", ", ".join(created))
    from bench.seed_scale import fix_sequences

    fix_sequences(args.database_url)  # bench/seed_scale.py inserts explicit ids (PostgreSQL sequences lag behind)
    ctx = prepare(app)
    dialect = args.database_url.split(":", 1)[0]
    print(f"{dialect}: {ctx['counts']['tickets']:,} tickets, {ctx['counts']['cases']:,} cases; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; {args.runs} requests per page")
    clients = {}
    print(f"{'page':<22} {'wall p50':>9} {'wall p95':>9} {'CPU p50':>8} {'CPU p95':>8}  target")
    worst = []
    for name, (who, urls) in pages(ctx).items():
        if args.only and not any(s in name for s in args.only.split(",")):
            continue
        if who not in clients:
            clients[who] = login(app, {"staff": ctx["staff"], "requester": ctx["requester"], "admin": ADMIN_LOGIN}[who])
        wall, cpu = time_page(clients[who], urls, args.runs)
        target = TARGETS.get(name, 500 if name.startswith("dashboard") else TARGET_MS)
        p95 = pct(wall, 95) * 1000
        ok = "ok" if p95 <= target else "SLOW"
        if ok != "ok":
            worst.append(name)
        print(f"{name:<22} {statistics.median(wall) * 1000:>7.1f}ms {p95:>7.1f}ms {statistics.median(cpu) * 1000:>6.1f}ms "
              f"{pct(cpu, 95) * 1000:>6.1f}ms  ≤{target} ms {ok}", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.2f}" + (f"; over target: {', '.join(worst)}" if worst else ""))


if __name__ == "__main__":
    main()
