"""Bulk data for the query-count tests: n tickets, comments, cases or users with varied relations."""
from datetime import timedelta

from sqlalchemy import func, insert, select

from models import Attachment, AuditEvent, Case, Comment, Department, Ticket, User, db, utcnow
from tests import factories

STATUSES = ("new", "triaged", "in_progress", "waiting", "resolved", "closed", "withdrawn")
PRIORITIES = ("low", "normal", "high", "urgent")


def _next_n() -> int:
    """A number for unique ticket numbers / refs (ids come from the database sequences)."""
    return (db.session.scalar(select(func.count()).select_from(Ticket)) or 0) + (db.session.scalar(select(func.count()).select_from(Case)) or 0)


def _insert_ids(model, rows: list[dict]) -> list[int]:
    """Insert rows in one executemany and return their new ids in order."""
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
    return [row[0] for row in db.session.execute(stmt, rows)]


def staff(n: int, prefix: str = "perfdx") -> list[User]:
    """n extra DX staff members."""
    return [factories.make_user(f"{prefix}{i}", role="dx_staff", name=f"担当 {prefix}{i}") for i in range(n)]


def departments(n: int) -> list[Department]:
    """n 課 under a new 部局."""
    top = factories.make_department(name="テスト部")
    return [factories.make_department(name=f"テスト{i}課", parent=top) for i in range(n)]


def tickets(n: int, requester: User, handlers: list[User], depts: list[Department] | None = None,
            categories: list | None = None, start: int = 0, days_ago: int = 0) -> list[int]:
    """n tickets of the requester's department (or spread over depts), varied status/handlers; returns ids."""
    base = _next_n()
    now = utcnow() - timedelta(days=days_ago)
    rows = []
    for k in range(n):
        i = start + k
        status = STATUSES[i % len(STATUSES)]
        created = now - timedelta(hours=i + 1)
        resolved = created + timedelta(hours=5) if status in ("resolved", "closed") else None
        main = handlers[i % len(handlers)].id if handlers and status != "new" else None
        backup = handlers[(i + 1) % len(handlers)].id if handlers and len(handlers) > 1 and status != "new" else None
        dept = depts[i % len(depts)].id if depts else requester.department_id
        rows.append({
            "number": f"PF-{base + k:07d}", "title": f"集計作業の相談 {i}", "department_id": dept,
            "requester_id": requester.id, "purpose": "報告のため", "current_process": "手作業", "problem": "時間がかかる",
            "desired_state": "", "frequency": "毎月", "urgency": "medium", "priority": PRIORITIES[i % 4], "status": status,
            "category_id": categories[i % len(categories)].id if categories else None,
            "main_handler_id": main, "backup_handler_id": backup, "created_at": created, "updated_at": resolved or created,
            "first_response_at": created + timedelta(hours=2) if status != "new" else None,
            "first_response_due": (created + timedelta(days=3)).date(), "resolution_due": (created + timedelta(days=20)).date(),
            "resolved_at": resolved, "resolution_type": "業務改善" if resolved else None,
            "hours_saved_per_year": 10 * (i % 5) if resolved else None, "version": 1,
        })
    ids = _insert_ids(Ticket, rows)
    audit = [{"actor_id": requester.id, "action": "ticket.created", "object_type": "ticket", "object_id": tid,
              "after": {"status": "new"}, "created_at": row["created_at"]} for tid, row in zip(ids, rows, strict=True)]
    db.session.execute(insert(AuditEvent), audit)
    db.session.commit()
    return ids


def comments(ticket: Ticket, n: int, authors: list[User], start: int = 0, with_files: bool = True) -> None:
    """n comments (every third internal, with an attachment every fifth) by alternating authors."""
    now = utcnow()
    rows, files = [], []
    for k in range(n):
        i = start + k
        author = authors[i % len(authors)]
        rows.append({"ticket_id": ticket.id, "author_id": author.id, "body": f"返信 {i} **確認**しました。",
                     "internal": i % 3 == 2 and author.is_staff, "created_at": now + timedelta(seconds=i)})
    ids = _insert_ids(Comment, rows)
    for k, (cid, row) in enumerate(zip(ids, rows, strict=True)):
        if with_files and (start + k) % 5 == 0:
            files.append({"ticket_id": ticket.id, "comment_id": cid, "original_name": f"資料{start + k}.pdf",
                          "stored_name": f"{cid:064x}", "content_type": "application/pdf", "size": 10,
                          "sha256": "0" * 64, "uploaded_by_id": row["author_id"], "created_at": now})
    if files:
        db.session.execute(insert(Attachment), files)
    db.session.commit()


def cases(n: int, categories: list, author: User | None = None, start: int = 0) -> None:
    """n published cases (plus a draft every fourth) with varied categories, tools and tags."""
    base = _next_n()
    now = utcnow()
    rows = []
    for k in range(n):
        i = start + k
        rows.append({
            "ref": f"PC-{base + k:05d}", "title": f"Excel集計の自動化 {i}", "department_label": f"本庁 第{i % 7}部",
            "category_id": categories[i % len(categories)].id, "problem": "毎月の集計に時間がかかる",
            "cause": "手作業", "solution": "マクロで自動化", "effect": "月10時間削減", "tools": [f"ツール{i % 6}"],
            "tags": [f"タグ{i % 9}", "集計"], "resolution_type": "ツール導入", "hours_saved_per_year": i,
            "status": "draft" if i % 4 == 3 else "published", "author_id": author.id if author else None,
            "created_at": now, "updated_at": now - timedelta(minutes=i), "published_at": None if i % 4 == 3 else now,
            "view_count": i, "helpful_count": i % 7, "acknowledged_findings": [], "version": 1,
        })
    db.session.execute(insert(Case), rows)
    db.session.commit()


def users(n: int, depts: list[Department], start: int = 0) -> None:
    """n requesters spread over departments."""
    pw = factories.password_hash()
    rows = [{"login": f"bulk{start + k:04d}", "name": f"職員 {start + k}", "email": f"bulk{start + k}@pref.example.jp",
             "department_id": depts[(start + k) % len(depts)].id, "role": "requester", "password_hash": pw, "active": (start + k) % 9 != 0,
             "failed_logins": 0, "must_change_password": False, "created_at": utcnow()} for k in range(n)]
    db.session.execute(insert(User), rows)
    db.session.commit()
