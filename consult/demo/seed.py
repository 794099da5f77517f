"""Load the demo content shipped in consult/demo/ (idempotent: run it as often as you like)."""
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from models import Category, Comment, Department, Ticket, User, db, utcnow

HERE = Path(__file__).resolve().parent
DEMO_PASSWORDS = {"requester": "demo-pass-2026", "dx_staff": "demo-pass-2026", "admin": "demo-admin-2026"}


def _load(name: str):
    """Read one JSON file of demo content."""
    return json.loads((HERE / name).read_text(encoding="utf-8"))


def _categories() -> dict[str, Category]:
    """Create the categories that do not exist yet."""
    existing = {c.name: c for c in db.session.scalars(select(Category))}
    for order, name in enumerate(_load("categories.json")):
        if name not in existing:
            existing[name] = Category(name=name, sort_order=order)
            db.session.add(existing[name])
    db.session.flush()
    return existing


def _departments() -> dict[str, Department]:
    """Create the departments that do not exist yet (parents first)."""
    existing = {d.code: d for d in db.session.scalars(select(Department))}
    for order, item in enumerate(_load("departments.json")):
        if item["code"] in existing:
            continue
        dept = Department(code=item["code"], name=item["name"], sort_order=order, parent=existing.get(item.get("parent")))
        existing[item["code"]] = dept
        db.session.add(dept)
    db.session.flush()
    return existing


def _users(departments, categories) -> dict[str, User]:
    """Create the demo users that do not exist yet, with their demo passwords and skills."""
    from consult.auth.passwords import hash_password

    hashes = {role: hash_password(pw) for role, pw in DEMO_PASSWORDS.items()}
    existing = {u.login: u for u in db.session.scalars(select(User))}
    for item in _load("users.json"):
        if item["login"] in existing:
            continue
        user = User(
            login=item["login"], name=item["name"], role=item["role"], email=item.get("email"),
            department=departments.get(item.get("department")), password_hash=hashes[item["role"]],
        )
        user.skills = [categories[name] for name in item.get("skills", []) if name in categories]
        existing[item["login"]] = user
        db.session.add(user)
    db.session.flush()
    return existing


def _tickets(departments, users, categories, echo) -> int:
    """Create the demo tickets once (skipped when any demo ticket exists)."""
    from consult.businessdays import due_date
    from consult.tickets.numbering import next_number

    if db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.intake_token.like("demo-%"))):
        return 0
    rng = random.Random(2026)
    now = utcnow()
    count = 0
    for i, item in enumerate(_load("tickets.json")):
        created = now - timedelta(days=item["created_days_ago"], hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
        ticket = Ticket(
            number=next_number(created), title=item["title"], department=departments[item["department"]],
            requester=users[item["requester"]], purpose=item["purpose"], current_process=item.get("current_process", ""),
            problem=item["problem"], desired_state=item.get("desired_state", ""), frequency=item.get("frequency", ""),
            hours_per_month=item.get("hours_per_month"), urgency=item.get("urgency", "medium"),
            contains_personal_info=bool(item.get("contains_personal_info")),
            category=categories.get(item.get("category") or ""), priority=item.get("priority", "normal"),
            status=item["status"], main_handler=users.get(item.get("main_handler") or ""),
            backup_handler=users.get(item.get("backup_handler") or ""), created_at=created, updated_at=created,
            intake_token=f"demo-{i:03d}",
        )
        first, resolve = _sla_days(ticket.priority)
        ticket.first_response_due = due_date(created, first)
        ticket.resolution_due = due_date(created, resolve)
        last = created
        for c in item.get("comments", []):
            at = created + timedelta(days=c.get("days_after", 1), hours=rng.randint(1, 6))
            at = min(at, now)
            db.session.add(Comment(ticket=ticket, author=users[c["author"]], body=c["body"], internal=bool(c.get("internal")), created_at=at))
            author = users[c["author"]]
            if author.is_staff and not c.get("internal") and ticket.first_response_at is None:
                ticket.first_response_at = at
            last = max(last, at)
        if ticket.status != "new":
            ticket.triaged_at = created + timedelta(hours=rng.randint(2, 30))
            ticket.first_response_at = ticket.first_response_at or ticket.triaged_at
        if ticket.status in ("resolved", "closed"):
            ticket.root_cause = item.get("root_cause", "")
            ticket.resolution_type = item.get("resolution_type")
            ticket.resolution_summary = item.get("resolution_summary", "")
            ticket.hours_saved_per_year = item.get("hours_saved_per_year")
            ticket.resolved_at = min(now, max(last, created + timedelta(days=rng.randint(3, 25))))
            last = ticket.resolved_at
            if ticket.status == "closed":
                ticket.closed_at = min(now, ticket.resolved_at + timedelta(days=rng.randint(1, 10)))
                last = ticket.closed_at
        if ticket.status == "withdrawn":
            ticket.withdrawn_at = min(now, max(last, created + timedelta(days=rng.randint(1, 5))))
            last = ticket.withdrawn_at
        ticket.updated_at = last
        if ticket.status == "waiting":  # the resolution clock stopped when the desk last asked the requester
            from consult.businessdays import to_jst_date

            ticket.sla_paused_on = to_jst_date(last)
        db.session.add(ticket)
        db.session.flush()
        count += 1
    return count


def _sla_days(priority: str) -> tuple[int, int]:
    """SLA targets from the app config for a priority."""
    from flask import current_app

    return current_app.config["CONSULT_SLA"].get(priority, (3, 20))


def _cases(echo) -> int:
    """Import the demo cases through the same code path as `cases import`, then give them their publication dates."""
    try:
        from consult.cases import importer
    except ImportError:
        return 0
    count = importer.import_file(HERE / "cases.jsonl")
    _publication_dates(HERE / "cases.jsonl")
    return count


def _publication_dates(path) -> None:
    """Set each demo case's published_at from the file's `published_at` (JST; ignored by `cases import`)."""
    from consult.search import sync
    from models import Case

    wanted = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line) if line.strip() else {}
        if record.get("published_at"):
            wanted[record["id"]] = datetime.fromisoformat(record["published_at"]).astimezone(UTC).replace(tzinfo=None)
    for case in db.session.scalars(select(Case).where(Case.ref.in_(list(wanted)))):
        if case.published_at != wanted[case.ref]:
            case.published_at = wanted[case.ref]
            sync.enqueue(case.ref, "upsert")
    db.session.commit()
    sync.drain()


def run(echo=print) -> str:
    """Seed everything; return a one-line summary."""
    categories = _categories()
    departments = _departments()
    users = _users(departments, categories)
    db.session.commit()
    tickets = _tickets(departments, users, categories, echo)
    db.session.commit()
    cases = _cases(echo)
    return f"デモデータ: 所属{len(departments)}件, 利用者{len(users)}人, 相談{tickets}件を追加, 事例{cases}件を取り込み"
