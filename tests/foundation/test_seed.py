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
