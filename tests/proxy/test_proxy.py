"""Behind a real reverse proxy (a separate process, tests/proxy/revproxy.py) in front of a real gunicorn:
with CONSULT_TRUSTED_PROXIES=1 each client keeps its own address for the login rate limit and the audit log;
with the default 0 nobody can choose their address with X-Forwarded-For."""
import http.client
import subprocess
import sys
import urllib.parse

import pytest
from sqlalchemy import select

from models import AuditEvent, User, db
from tests import factories
from tests.faults.helpers import ROOT, Server, free_port

pytestmark = pytest.mark.slow


def _server(app, tmp_path, trusted: str) -> Server:
    env = {"CONSULT_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "CONSULT_ATTACHMENTS": app.config["CONSULT_ATTACHMENTS"],
           "CONSULT_SEARCH_INDEX": app.config["CONSULT_SEARCH_INDEX"],
           "CONSULT_INSTANCE": app.config["CONSULT_INSTANCE"],
           "CONSULT_LOCKOUT_ATTEMPTS": "1000"}
    if trusted is not None:
        env["CONSULT_TRUSTED_PROXIES"] = trusted
    srv = Server("tests.proxy.proxy_app:app", env, workers=1, log=tmp_path / "gunicorn.log")
    try:
        srv.wait_ready(timeout=120)  # a busy shared machine can take a while to import the app
    except BaseException:
        srv.stop()
        raise
    return srv


@pytest.fixture
def proxied(app, users, tmp_path):
    """gunicorn trusting one proxy hop, and the proxy process in front of it: yields the proxy's port."""
    srv = _server(app, tmp_path, "1")
    port = free_port()
    proxy = subprocess.Popen([sys.executable, "-m", "tests.proxy.revproxy", str(port), str(srv.port)],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert proxy.stdout.readline().strip() == b"ready"
        yield port
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        proxy.stdout.close()
        srv.stop()


def _post_login(port: int, source: str, login: str, password: str = "wrong-password", headers=None) -> int:
    """One login POST from the local address `source` (127.0.0.x) to 127.0.0.1:port."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    body = urllib.parse.urlencode({"login": login, "password": password})
    try:
        conn.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def _login_ips(user: User) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEvent.ip).where(AuditEvent.action == "user.login",
                                                               AuditEvent.object_id == user.id)))


def test_each_client_has_its_own_rate_limit_and_audit_address(proxied, app):
    """31 wrong passwords from 127.0.0.2 (through the proxy) block 127.0.0.2 only; 127.0.0.3 and 127.0.0.4 still log
    in, and their audit events carry their own address, not the proxy's 127.0.0.1 — also when a client sends a
    forged X-Forwarded-For of its own (the proxy appends the real address, and only that hop is trusted)."""
    accounts = [factories.make_user(login=f"px{i}") for i in range(4)]  # 10/min per account: spread the 31 tries
    codes = [_post_login(proxied, "127.0.0.2", accounts[i % 4].login) for i in range(31)]
    assert codes[:30] == [422] * 30 and codes[30] == 429
    good1 = factories.make_user(login="pxgood1")
    good2 = factories.make_user(login="pxgood2")
    assert _post_login(proxied, "127.0.0.3", "pxgood1", factories.PASSWORD) == 302
    assert _post_login(proxied, "127.0.0.4", "pxgood2", factories.PASSWORD,
                       headers={"X-Forwarded-For": "10.9.9.9"}) == 302
    assert _post_login(proxied, "127.0.0.2", "pxgood1", factories.PASSWORD) == 429  # still limited
    # a forged X-Forwarded-For does not free the blocked client either
    assert _post_login(proxied, "127.0.0.2", "pxgood1", factories.PASSWORD,
                       headers={"X-Forwarded-For": "10.7.7.7"}) == 429
    assert _login_ips(good1) == ["127.0.0.3"]
    assert _login_ips(good2) == ["127.0.0.4"]


@pytest.mark.parametrize("trusted", [None, "0"])
def test_direct_client_cannot_spoof_its_address(app, users, tmp_path, trusted):
    """With no trusted proxy (the default), X-Forwarded-For is ignored: a new forged address per request does not
    escape the per-address limit, and the audit log records the real peer address."""
    srv = _server(app, tmp_path, trusted)
    try:
        accounts = [factories.make_user(login=f"direct{i}") for i in range(4)]
        codes = [_post_login(srv.port, "127.0.0.5", accounts[i % 4].login,
                             headers={"X-Forwarded-For": f"10.0.0.{i}"}) for i in range(31)]
        assert codes[30] == 429
        good = factories.make_user(login="directgood")
        assert _post_login(srv.port, "127.0.0.6", "directgood", factories.PASSWORD,
                           headers={"X-Forwarded-For": "10.8.8.8"}) == 302
        assert _login_ips(good) == ["127.0.0.6"]
    finally:
        srv.stop()
