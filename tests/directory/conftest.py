"""A real slapd per test (own config dir, free port), and an app configured to sign in against it."""
import pytest

from . import slapd as slapd_module


@pytest.fixture
def slapd(tmp_path):
    """A running slapd loaded with the test LDIF; stopped afterwards."""
    if not slapd_module.available():
        pytest.fail("slapd / ldap-utils are not installed (see .ci/run)")
    server = slapd_module.Slapd(tmp_path / "slapd").start()
    yield server
    server.stop()


@pytest.fixture
def app_config(slapd):
    """The app signs in against the test directory."""
    return slapd.settings()
