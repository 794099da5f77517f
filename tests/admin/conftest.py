"""Helpers for admin tests: an admin logged in."""
import pytest


@pytest.fixture
def admin_client(client, auth, users):
    """The test client logged in as the admin."""
    auth.login("admin")
    return client
