"""Usage figures cannot be forged (audit finding 10): a suggestion click counts only with a token the intake form
issued to this person, once per token and case; a case view counts once per person and day, decided on the
server (a fresh cookie or another client does not add views)."""
import re

from sqlalchemy import func, select

from models import Case, SuggestionClick, db
from tests import factories


def _clicks() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(SuggestionClick))


def _issued_token(client) -> str:
    page = client.get("/tickets/new").get_data(as_text=True)
    return re.search(r'name="intake_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="intake_token"', page).group(1)


def test_random_tokens_do_not_count(client, auth, users):
    case = factories.make_case(ref="UF-001", status="published")
    auth.login("req")
    for i in range(5):
        client.get(f"/cases/{case.ref}?from=suggest&token=forged-{i}")
    client.get(f"/cases/{case.ref}?from=suggest")
    assert _clicks() == 0


def test_issued_token_counts_once(client, auth, users):
    case = factories.make_case(ref="UF-002", status="published")
    auth.login("req")
    token = _issued_token(client)
    for _ in range(5):
        client.get(f"/cases/{case.ref}?from=suggest&token={token}")
    assert _clicks() == 1
    click = db.session.scalar(select(SuggestionClick))
    assert click.intake_token == token and click.user_id == users["requester"].id


def test_token_of_another_person_does_not_count(app, client, auth, users):
    case = factories.make_case(ref="UF-003", status="published")
    auth.login("req")
    token = _issued_token(client)
    other = app.test_client()
    other.post("/login", data={"login": "req_colleague", "password": factories.PASSWORD})
    other.get(f"/cases/{case.ref}?from=suggest&token={token}")
    assert _clicks() == 0


def test_views_are_deduplicated_on_the_server(app, client, auth, users):
    case = factories.make_case(ref="UF-004", status="published")
    for _ in range(3):  # a new client (no cookie memory) each time, same person
        fresh = app.test_client()
        fresh.post("/login", data={"login": "req", "password": factories.PASSWORD})
        assert fresh.get(f"/cases/{case.ref}").status_code == 200
    db.session.expire_all()
    assert db.session.get(Case, case.id).view_count == 1
    auth.login("req_colleague")
    client.get(f"/cases/{case.ref}")
    db.session.expire_all()
    assert db.session.get(Case, case.id).view_count == 2
