"""Helpers for the desk tests: logged-in clients and tickets with due dates."""
from datetime import date

import pytest

from tests import factories


def login(app, login_id):
    """A new test client logged in as `login_id`."""
    client = app.test_client()
    response = client.post("/login", data={"login": login_id, "password": factories.PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def dx(app, users):
    """A client logged in as DX staff 'dx'."""
    return login(app, "dx")


@pytest.fixture
def dx2(app, users):
    """A client logged in as DX staff 'dx2'."""
    return login(app, "dx2")


@pytest.fixture
def ticket(users):
    """A new ticket of the requester's department, due in the future."""
    return factories.make_ticket(users["requester"], first_response_due=date(2099, 1, 5), resolution_due=date(2099, 2, 1))
