"""Create scale data fast: 5,000 users, 100,000 tickets with comments and audit events, 20,000 cases.

Usage: python bench/seed_scale.py [--database-url URL] [--users 5000] [--tickets 100000] [--cases 20000]
       [--years 5] [--reindex]

Works on SQLite or PostgreSQL (the schema is created with `flask db upgrade` first when missing).
Rows go in with Core executemany in batches; prints rows/s per table.
"""
import argparse
import os
import random
import sys
import time
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import func, insert, select  # noqa: E402

from bench.textgen import BUKYOKU, DEDAKI, KA, REPLIES, case_text, person, ticket_text  # noqa: E402

BATCH = 5000
STATUSES = ["new"] * 4 + ["triaged"] * 3 + ["in_progress"] * 6 + ["waiting"] * 3 + ["resolved"] * 8 + ["closed"] * 70 + ["withdrawn"] * 2
RES_TYPES = ["ツール導入", "業務改善", "業務廃止", "情報提供", "対応不可"]


def _batched(rows, table, conn, label):
    """Insert an iterable of dicts in batches; print the rate."""
    started, n, chunk = time.perf_counter(), 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= BATCH:
            conn.execute(insert(table), chunk)
            n += len(chunk)
            chunk = []
    if chunk:
        conn.execute(insert(table), chunk)
        n += len(chunk)
    elapsed = time.perf_counter() - started
    print(f"{label:<14} {n:>9,} rows  {n / max(elapsed, 1e-9):>10,.0f} rows/s", flush=True)
    return n


def seed(app, users=5000, tickets=100_000, cases=20_000, years=5, seed_value=7) -> dict:
    """Insert the scale data into the app's database (empty tables expected for tickets/cases)."""
    from consult.auth.passwords import hash_password
    from consult.businessdays import due_date
    from models import AuditEvent, Case, Category, Comment, Department, Ticket, TicketCounter, User, db, utcnow

    rng = random.Random(seed_value)
    now = utcnow()
    pw = hash_password("scale-pass-2026")
    with app.app_context():
        if db.session.scalar(select(func.count()).select_from(Ticket)):
            raise SystemExit("tickets exist already: use an empty database")
        cats = list(db.session.scalars(select(Category.id)))
        if not cats:
            for i, name in enumerate(["ペーパーレス・オンライン申請", "集計・データ処理", "RPA・自動化", "コミュニケーション・会議",
                                      "文書管理・決裁", "問い合わせ対応", "生成AI活用", "災害対応", "その他"]):
                db.session.add(Category(name=name, sort_order=i))
            db.session.commit()
            cats = list(db.session.scalars(select(Category.id)))
        conn = db.session.connection()
        base = db.session.scalar(select(func.coalesce(func.max(Department.id), 0)))
        dept_rows, dept_ids = [], []
        next_id = base
        for b, name in enumerate(BUKYOKU):
            next_id += 1
            top = next_id
            dept_rows.append({"id": top, "code": f"S{b:02d}", "name": name, "parent_id": None, "active": True, "sort_order": b})
            for k in rng.sample(KA, 5) + rng.sample(DEDAKI, 1):
                next_id += 1
                dept_rows.append({"id": next_id, "code": f"S{b:02d}{next_id:04d}", "name": k, "parent_id": top, "active": True, "sort_order": 0})
                dept_ids.append(next_id)
        _batched(dept_rows, Department.__table__, conn, "departments")
        ubase = db.session.scalar(select(func.coalesce(func.max(User.id), 0)))
        staff_n = max(10, users // 100)
        user_rows, staff_ids, requester_ids = [], [], []
        for i in range(users):
            uid = ubase + i + 1
            role = "dx_staff" if i < staff_n else "requester"
            (staff_ids if role == "dx_staff" else requester_ids).append((uid, dept_ids[i % len(dept_ids)]))
            user_rows.append({"id": uid, "login": f"scale{i:05d}", "name": person(rng), "email": f"scale{i:05d}@pref.example.jp",
                              "department_id": dept_ids[i % len(dept_ids)], "role": role, "password_hash": pw, "active": True,
                              "failed_logins": 0, "must_change_password": False, "created_at": now})
        _batched(user_rows, User.__table__, conn, "users")

        tbase = db.session.scalar(select(func.coalesce(func.max(Ticket.id), 0)))
        per_year: dict[int, int] = {}
        ticket_rows, comment_rows, audit_rows = [], [], []
        span = years * 365 * 24 * 3600
        for i in range(tickets):
            tid = tbase + i + 1
            created = now - timedelta(seconds=rng.randint(0, span))
            per_year[created.year] = per_year.get(created.year, 0) + 1
            requester, dept = rng.choice(requester_ids)
            status = rng.choice(STATUSES)
            age_days = (now - created).days
            if age_days < 30 and status == "closed":
                status = rng.choice(["new", "in_progress", "waiting", "resolved"])
            main = rng.choice(staff_ids)[0] if status != "new" else None
            backup = rng.choice(staff_ids)[0] if status != "new" and rng.random() < 0.7 else None
            priority = rng.choice(["low", "normal", "normal", "normal", "high", "urgent"])
            text = ticket_text(rng)
            first_resp = created + timedelta(hours=rng.randint(2, 120)) if status != "new" else None
            resolved = created + timedelta(days=rng.randint(1, 60)) if status in ("resolved", "closed") else None
            ticket_rows.append({
                "id": tid, "number": f"TMP-{tid}", "title": text["title"], "department_id": dept, "requester_id": requester,
                "purpose": text["purpose"], "current_process": text["current_process"], "problem": text["problem"],
                "desired_state": text["desired_state"], "frequency": text["frequency"],
                "hours_per_month": rng.choice([None, 2, 4, 8, 16, 24, 40]), "desired_timing": "", "urgency": rng.choice(["low", "medium", "high"]),
                "contains_personal_info": rng.random() < 0.2, "category_id": rng.choice(cats + [None]), "priority": priority,
                "status": status, "main_handler_id": main, "backup_handler_id": backup,
                "first_response_due": due_date(created, 3), "resolution_due": due_date(created, 20),
                "created_at": created, "updated_at": resolved or first_resp or created, "triaged_at": first_resp,
                "first_response_at": first_resp, "resolved_at": resolved,
                "closed_at": resolved + timedelta(days=3) if status == "closed" else None,
                "withdrawn_at": created + timedelta(days=1) if status == "withdrawn" else None,
                "root_cause": "", "resolution_type": rng.choice(RES_TYPES) if resolved else None,
                "resolution_summary": "", "hours_saved_per_year": rng.choice([None, 20, 50, 120, 300]) if resolved else None,
                "intake_token": None, "version": 1,
            })
            for c in range(rng.randint(0, 4)):
                comment_rows.append({"ticket_id": tid, "author_id": main or requester, "body": rng.choice(REPLIES),
                                     "internal": c == 3, "created_at": created + timedelta(hours=c * 5 + 1)})
            audit_rows.append({"actor_id": requester, "action": "ticket.created", "object_type": "ticket", "object_id": tid,
                               "before": None, "after": {"status": "new"}, "ip": None, "created_at": created})
            if main:
                audit_rows.append({"actor_id": main, "action": "ticket.assigned", "object_type": "ticket", "object_id": tid,
                                   "before": None, "after": {"main": main, "backup": backup}, "ip": None, "created_at": first_resp})
            if status != "new":
                audit_rows.append({"actor_id": main, "action": "ticket.status_changed", "object_type": "ticket", "object_id": tid,
                                   "before": {"status": "new"}, "after": {"status": status}, "ip": None, "created_at": resolved or first_resp})
        # Numbers DX-YYYY-NNNN in creation order per year.
        ticket_rows.sort(key=lambda r: r["created_at"])
        seq: dict[int, int] = {}
        for row in ticket_rows:
            y = row["created_at"].year
            seq[y] = seq.get(y, 0) + 1
            row["number"] = f"DX-{y}-{seq[y]:05d}" if seq[y] > 9999 else f"DX-{y}-{seq[y]:04d}"
        _batched(ticket_rows, Ticket.__table__, conn, "tickets")
        for y, last in seq.items():
            existing = db.session.get(TicketCounter, y)
            if existing:
                existing.last = max(existing.last, last)
            else:
                db.session.add(TicketCounter(year=y, last=last))
        _batched(comment_rows, Comment.__table__, conn, "comments")
        _batched(audit_rows, AuditEvent.__table__, conn, "audit events")
        case_rows = []
        cbase = db.session.scalar(select(func.coalesce(func.max(Case.id), 0)))
        for i in range(cases):
            text = case_text(rng)
            published = now - timedelta(seconds=rng.randint(0, span))
            case_rows.append({"id": cbase + i + 1, "ref": f"SC-{i:06d}", "source_ticket_id": None, "department_label": f"本庁 {rng.choice(BUKYOKU)}",
                              "department_id": None, "category_id": rng.choice(cats), "resolution_type": rng.choice(RES_TYPES[:4]),
                              "status": "published", "author_id": staff_ids[0][0], "created_at": published, "updated_at": published,
                              "published_at": published, "view_count": rng.randint(0, 300), "helpful_count": rng.randint(0, 40),
                              "acknowledged_findings": [], "version": 1, **text})
        _batched(case_rows, Case.__table__, conn, "cases")
        db.session.commit()
    return {"tickets": tickets, "cases": cases, "users": users}


def fix_sequences(database_url: str) -> None:
    """PostgreSQL: move every id sequence past the largest id (bench/seed_scale.py inserts explicit ids)."""
    from sqlalchemy import create_engine, text

    from models import db

    engine = create_engine(database_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in db.metadata.sorted_tables:
                if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.primary_key:
                    seq = conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
                    if seq:
                        conn.execute(text(f"SELECT setval('{seq}', COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"))
    engine.dispose()


def main() -> None:
    """Parse arguments, migrate, seed, optionally rebuild the index."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("CONSULT_DATABASE_URL") or f"sqlite:///{ROOT}/instance/scale.sqlite3")
    parser.add_argument("--search-index", default=os.environ.get("CONSULT_SEARCH_INDEX") or os.path.join(ROOT, "instance", "scale_index"))
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--reindex", action="store_true", help="rebuild the search index afterwards")
    args = parser.parse_args()
    os.makedirs(os.path.join(ROOT, "instance"), exist_ok=True)
    from flask_migrate import upgrade

    from consult import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "CONSULT_SEARCH_INDEX": args.search_index,
                      "SECRET_KEY": "bench-only-secret-key-0123456789", "TESTING": True})
    with app.app_context():
        upgrade()
    started = time.perf_counter()
    seed(app, users=args.users, tickets=args.tickets, cases=args.cases, years=args.years)
    fix_sequences(args.database_url)  # explicit ids were inserted: move PostgreSQL sequences past them
    print(f"total {time.perf_counter() - started:.1f} s  ({args.database_url})")
    if args.reindex:
        from consult.search import sync

        with app.app_context():
            t = time.perf_counter()
            n = sync.reindex()
            print(f"index rebuilt: {n:,} cases in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
