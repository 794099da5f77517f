"""seed-demo loads realistic demo data and is idempotent."""
from sqlalchemy import func, select

from models import Department, Ticket, User, db


def _counts():
    """Rows per main table."""
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in (Department, User, Ticket)}


def test_seed_demo_is_idempotent(runner, client):
    """Running seed-demo twice adds nothing the second time; demo users can log in."""
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = _counts()
    assert counts["Department"] >= 35 and counts["User"] >= 15 and counts["Ticket"] >= 55
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert _counts() == counts
    statuses = set(db.session.scalars(select(Ticket.status)))
    assert statuses == {"new", "triaged", "in_progress", "waiting", "resolved", "closed", "withdrawn"}
    roles = set(db.session.scalars(select(User.role)))
    assert roles == {"requester", "dx_staff", "admin"}
    numbers = list(db.session.scalars(select(Ticket.number)))
    assert len(numbers) == len(set(numbers)) and all(n.startswith("DX-") for n in numbers)
    from consult.demo.seed import DEMO_PASSWORDS

    assert client.post("/login", data={"login": "req1", "password": DEMO_PASSWORDS["requester"]}).status_code == 302


def test_demo_departments_have_parents(runner):
    """課 hang under 部局, like a real prefectural office."""
    runner.invoke(args=["seed-demo"])
    top = db.session.scalar(select(func.count()).select_from(Department).where(Department.parent_id.is_(None)))
    below = db.session.scalar(select(func.count()).select_from(Department).where(Department.parent_id.is_not(None)))
    assert 5 <= top <= 12 and below >= 25


def test_demo_cases_are_numbered_like_app_cases_with_past_publication_dates(runner):
    """Demo cases: refs C-<year of publication>-NNNN, published on different days over several past years."""
    import re

    from sqlalchemy import select

    from models import Case, db, utcnow

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    cases = list(db.session.scalars(select(Case)))
    assert len(cases) == 30
    from consult.businessdays import to_jst

    for case in cases:
        m = re.fullmatch(r"C-(\d{4})-(\d{4})", case.ref)
        assert m, case.ref
        assert int(m[1]) == to_jst(case.published_at).year, case.ref
        assert case.published_at < utcnow()
    years = {to_jst(c.published_at).year for c in cases}
    assert len(years) >= 4
    assert len({c.published_at.date() for c in cases}) == 30
    before = sorted(c.published_at for c in cases)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # idempotent: the dates stay
    db.session.expire_all()
    assert sorted(c.published_at for c in db.session.scalars(select(Case))) == before
