"""No N+1: each main page sends the same number of SQL statements with 10 and with 200 rows on it."""
from datetime import date, timedelta

import pytest

from models import CaseRevision, Ticket, db
from tests import factories

from . import builders


def _count(client, count_queries, url: str) -> int:
    """Statements sent for one GET of url (after a warm-up request of the same url)."""
    assert client.get(url).status_code == 200, url
    with count_queries() as counter:  # without the search's per-request catch-up and check (see count_queries)
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def _login(app, login_id):
    """A new client logged in through the real form."""
    client = app.test_client()
    assert client.post("/login", data={"login": login_id, "password": factories.PASSWORD}).status_code == 302
    return client


@pytest.fixture
def world(app, users):
    """Departments, categories and extra staff shared by the scenarios."""
    return {
        "depts": builders.departments(4),
        "cats": [factories.make_category(f"分類{i}") for i in range(3)],
        "staff": [users["dx_staff"], users["dx_staff2"], *builders.staff(3)],
    }


QUEUE_URLS = [
    "/desk/",
    "/desk/?status=open&sort=priority&q=集計",
    "/desk/?f=1&sort=updated&personal=0",
    "/desk/?status=closed&status=resolved&sort=created",
]


@pytest.mark.parametrize("url", QUEUE_URLS)
def test_queue(app, users, world, count_queries, url):
    """受付一覧 with filters: handlers, departments, categories of every row are loaded in the same query."""
    dx = _login(app, "dx")
    builders.tickets(10, users["requester"], world["staff"][:2], world["depts"][:2], world["cats"][:1])
    small = _count(dx, count_queries, url)
    builders.tickets(190, users["requester"], world["staff"], world["depts"], world["cats"], start=10)
    assert _count(dx, count_queries, url) == small


def test_queue_with_department_filter(app, users, world, count_queries):
    """The 部局 filter (a sub-select of its 課) adds no query per row."""
    dx = _login(app, "dx")
    top = world["depts"][0].parent_id
    url = f"/desk/?f=1&department={top}&sort=due"
    builders.tickets(10, users["requester"], world["staff"][:2], world["depts"][:1])
    small = _count(dx, count_queries, url)
    builders.tickets(190, users["requester"], world["staff"], world["depts"], start=10)
    assert _count(dx, count_queries, url) == small


@pytest.mark.parametrize("login_id", ["req", "dx"])
def test_ticket_page(app, users, world, count_queries, login_id):
    """The ticket page with 10 and 200 comments (internal notes, attachments, several authors)."""
    client = _login(app, login_id)
    ticket = factories.make_ticket(users["requester"], status="in_progress", main_handler=users["dx_staff"],
                                   backup_handler=users["dx_staff2"], category=world["cats"][0])
    authors = [users["requester"], users["colleague"], *world["staff"]]
    builders.comments(ticket, 10, authors)
    url = f"/tickets/{ticket.number}"
    small = _count(client, count_queries, url)
    builders.comments(ticket, 190, authors, start=10)
    assert _count(client, count_queries, url) == small


@pytest.mark.parametrize("url", ["/tickets/mine", "/tickets/mine?scope=mine&status=open", "/tickets/mine?q=集計"])
def test_my_tickets(app, users, world, count_queries, url):
    """自分の相談 with 10 and 200 tickets of the department."""
    req = _login(app, "req")
    builders.tickets(10, users["requester"], world["staff"][:2], categories=world["cats"])
    small = _count(req, count_queries, url)
    builders.tickets(190, users["requester"], world["staff"], categories=world["cats"], start=10)
    assert _count(req, count_queries, url) == small


def _reindex():
    """Rebuild the search index from the database."""
    from consult.search import sync

    sync.reindex()


@pytest.mark.parametrize("url", ["/cases/", "/cases/?q=Excel 集計", "/cases/?q=集計&sort=helpful&tags=集計"])
def test_case_search(app, users, world, count_queries, url):
    """事例をさがす with 10 and 200 published cases in the index."""
    req = _login(app, "req")
    builders.cases(10, world["cats"], users["dx_staff"])
    _reindex()
    small = _count(req, count_queries, url)
    builders.cases(190, world["cats"], users["dx_staff"], start=10)
    _reindex()
    assert _count(req, count_queries, url) == small


@pytest.mark.parametrize("login_id", ["req", "dx"])
def test_case_page(app, users, world, count_queries, login_id):
    """The case page (similar cases, revisions for staff) with 10 and 200 cases and revisions."""
    client = _login(app, login_id)
    case = factories.make_case(title="Excel集計の自動化", author=users["dx_staff"],
                               source_ticket=factories.make_ticket(users["requester"], status="resolved"))
    builders.cases(10, world["cats"], users["dx_staff"])
    for n in range(1, 11):
        db.session.add(CaseRevision(case_id=case.id, number=n, snapshot={"title": case.title}, published_by_id=users["dx_staff"].id))
    db.session.commit()
    _reindex()
    url = f"/cases/{case.ref}"
    small = _count(client, count_queries, url)
    builders.cases(190, world["cats"], users["dx_staff"], start=10)
    for n in range(11, 201):
        db.session.add(CaseRevision(case_id=case.id, number=n, snapshot={"title": case.title},
                                    published_by_id=world["staff"][n % 5].id))
    db.session.commit()
    _reindex()
    assert _count(client, count_queries, url) == small


def test_workload_board(app, users, world, count_queries):
    """担当状況 with 10 and 200 tickets over 2 and 10 staff members (each with skills)."""
    from models import staff_skills

    dx = _login(app, "dx")
    builders.tickets(10, users["requester"], world["staff"][:2])
    small = _count(dx, count_queries, "/desk/workload")
    more = world["staff"] + builders.staff(5, prefix="more")
    db.session.execute(staff_skills.insert(), [{"user_id": u.id, "category_id": c.id} for u in more for c in world["cats"]])
    db.session.commit()
    builders.tickets(190, users["requester"], more, start=10)
    assert _count(dx, count_queries, "/desk/workload") == small


@pytest.mark.parametrize("url", ["/cases/manage", "/cases/manage?status=draft", "/cases/manage?q=Excel"])
def test_cases_manage(app, users, world, count_queries, url):
    """事例の管理 with 10 and 200 cases (drafts and published, several authors)."""
    dx = _login(app, "dx")
    builders.cases(10, world["cats"], users["dx_staff"])
    small = _count(dx, count_queries, url)
    builders.cases(190, world["cats"], users["dx_staff2"], start=10)
    assert _count(dx, count_queries, url) == small


def test_dashboard(app, users, world, count_queries):
    """実績 with 10 and 200 tickets in the period, over departments, categories and handlers."""
    dx = _login(app, "dx")
    today = date.today()
    url = f"/reports/?period=custom&start={(today - timedelta(days=60)).isoformat()}&end={today.isoformat()}"
    builders.tickets(10, users["requester"], world["staff"][:2], world["depts"][:1], world["cats"][:1])
    small = _count(dx, count_queries, url)
    builders.tickets(190, users["requester"], world["staff"], world["depts"], world["cats"], start=10)
    assert db.session.query(Ticket).count() == 200
    assert _count(dx, count_queries, url) == small


@pytest.mark.parametrize("url", ["/admin/users", "/admin/users?role=requester&active=1", "/admin/users?q=bulk"])
def test_admin_users(app, users, world, count_queries, url):
    """利用者の管理 with 10 and 200 users over several departments."""
    admin = _login(app, "admin")
    builders.users(10, world["depts"])
    small = _count(admin, count_queries, url)
    builders.users(190, world["depts"], start=10)
    assert _count(admin, count_queries, url) == small
