"""満足度: optional 5 levels and a comment on 完了, POST only, once; shown to staff and counted in 実績."""
from datetime import date

import pytest
from sqlalchemy import func, select

from consult.errors import DomainError, NotAllowed
from consult.reports.periods import Period
from consult.tickets.satisfaction import record_rating, summary
from models import AuditEvent, TicketSatisfaction, db
from tests import factories
from tests.desk.conftest import login


@pytest.fixture
def closed(users):
    """A 完了 ticket of the requester's department."""
    return factories.make_ticket(users["requester"], status="closed")


def test_requester_sees_the_form_and_rates_once(app, users, closed):
    """The form is on the 完了 ticket page; a POST records it (audited); a second one is refused."""
    client = login(app, "req")
    html = client.get(f"/tickets/{closed.number}").get_data(as_text=True)
    assert "窓口の対応はいかがでしたか" in html and 'name="rating" value="5"' in html
    r = client.post(f"/tickets/{closed.number}/satisfaction", data={"rating": "4", "comment": "早くて助かりました"})
    assert r.status_code == 302
    row = db.session.scalar(select(TicketSatisfaction))
    assert (row.rating, row.comment, row.user_id) == (4, "早くて助かりました", users["requester"].id)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "ticket.satisfaction_recorded")) == 1
    assert "窓口の対応はいかがでしたか" not in client.get(f"/tickets/{closed.number}").get_data(as_text=True)
    r = client.post(f"/tickets/{closed.number}/satisfaction", data={"rating": "1"})
    assert r.status_code == 400 and "回答済み" in r.get_data(as_text=True)


def test_get_never_records(app, users, closed):
    """A GET (a mail scanner following a link) records nothing."""
    client = login(app, "req")
    assert client.get(f"/tickets/{closed.number}/satisfaction?rating=5").status_code == 405
    assert db.session.scalar(select(func.count()).select_from(TicketSatisfaction)) == 0


def test_rules(app, users, closed):
    """Only the department's requesters, only on 完了, only 1–5."""
    with pytest.raises(NotAllowed):
        record_rating(closed, 5, "", users["other"])
    with pytest.raises(NotAllowed):
        record_rating(closed, 5, "", users["dx_staff"])
    with pytest.raises(DomainError):
        record_rating(closed, 6, "", users["requester"])
    with pytest.raises(DomainError):
        record_rating(factories.make_ticket(users["requester"], status="resolved"), 5, "", users["requester"])


def test_staff_see_it_and_reports_count_it(app, users, closed):
    """Staff see the rating on the ticket page; 実績 shows count and average of the period."""
    record_rating(closed, 5, "とても良い", users["requester"])
    other = factories.make_ticket(users["colleague"], status="closed")
    record_rating(other, 2, "", users["colleague"])
    html = login(app, "dx").get(f"/tickets/{closed.number}").get_data(as_text=True)
    assert "相談者の満足度" in html and "とても満足" in html and "とても良い" in html
    today = date.today()
    figures = summary(Period("custom", date(today.year - 1, 1, 1), date(today.year + 1, 12, 31), "x"))
    assert figures["count"] == 2 and figures["average"] == 3.5 and figures["per_level"][2] == 1
    assert "相談者の満足度" in login(app, "dx").get("/reports/").get_data(as_text=True)
