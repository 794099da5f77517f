"""StartTLS when the URL asks for it, against slapd with its own certificate."""
import pytest

from consult.directory import client, settings

from . import slapd as slapd_module


@pytest.fixture
def tls_slapd(tmp_path):
    """A slapd with a self-signed certificate for 127.0.0.1."""
    server = slapd_module.Slapd(tmp_path / "tls", tls=True).start()
    yield server
    server.stop()


def test_starttls_with_the_ca_file(tls_slapd):
    """?starttls upgrades the connection; the certificate is checked against CONSULT_LDAP_CA_FILE."""
    config = tls_slapd.settings(CONSULT_LDAP_URL=tls_slapd.url + "/?starttls", CONSULT_LDAP_CA_FILE=str(tls_slapd.cert))
    loaded = settings.load(config)
    conn = client.service_connection(loaded)
    try:
        assert conn.tls_started
        entry = client.find_user(conn, loaded, "yamada")
    finally:
        conn.unbind()
    assert entry.name == "山田 花子"
    assert client.check_password(loaded, entry.dn, slapd_module.USER_PASSWORD)


def test_starttls_refuses_an_unknown_certificate(tls_slapd):
    """Without the CA the certificate is not trusted: the directory counts as unavailable (never plain text)."""
    loaded = settings.load(tls_slapd.settings(CONSULT_LDAP_URL=tls_slapd.url + "/?starttls"))
    with pytest.raises(client.DirectoryUnavailable):
        client.service_connection(loaded)
