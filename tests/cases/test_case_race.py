"""Case edit or publish racing another staff member (audit finding 6): the other person's update lands between our
version check and our write. The answer is the 409 page with what we typed, never a 500."""
import pytest
from sqlalchemy import text

from consult.cases import service
from models import Case, db
from tests import factories

from .test_workflow import edit_data


@pytest.fixture
def racing(monkeypatch):
    """After the version check, another session updates the case and commits (as a second staff member would)."""

    def arm(case_id: int):
        original = service._check_version

        def check_then_lose_the_race(case, expected_version):
            original(case, expected_version)
            with db.engine.begin() as other:
                other.execute(text("UPDATE cases SET title = :t, version = version + 1 WHERE id = :id"),
                              {"t": "ほかの人の件名", "id": case_id})

        monkeypatch.setattr(service, "_check_version", check_then_lose_the_race)

    return arm


def test_edit_of_published_case_racing_is_409_with_input(client, auth, users, racing):
    case = factories.make_case(title="公開済みの事例", status="published")
    auth.login("dx")
    racing(case.id)
    response = client.post(f"/cases/{case.ref}/edit", data=edit_data(case, title="私の書いた新しい件名",
                                                                      solution="私の解決策の本文"))
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page[:300]
    assert "私の書いた新しい件名" in page and "私の解決策の本文" in page
    db.session.expire_all()
    assert db.session.get(Case, case.id).title == "ほかの人の件名"


def test_save_and_publish_racing_is_409_with_input(client, auth, users, racing):
    case = factories.make_case(title="下書き", status="draft")
    auth.login("dx")
    racing(case.id)
    response = client.post(f"/cases/{case.ref}/edit", data=edit_data(case, title="公開したい件名", action="publish"))
    assert response.status_code == 409
    assert "公開したい件名" in response.get_data(as_text=True)


def test_publish_racing_is_409(client, auth, users, racing):
    case = factories.make_case(title="下書き", status="draft")
    auth.login("dx")
    racing(case.id)
    response = client.post(f"/cases/{case.ref}/publish", data={"version": case.version})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "draft"
