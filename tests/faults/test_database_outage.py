"""The database goes away for a moment: Japanese 503 pages (no stack trace), /healthz 503, then the app
recovers by itself (pool_pre_ping) without a restart.

PostgreSQL: a TCP proxy between the app and the server is cut and restored.
SQLite: another connection holds an exclusive lock (BEGIN EXCLUSIVE) until released."""
import sqlite3
from contextlib import contextmanager

import pytest
from sqlalchemy.engine import make_url

from consult import create_app
from models import db
from tests import factories
from tests.conftest import FreshContextClient, make_config

from .helpers import TcpProxy

pytestmark = pytest.mark.slow


def _second_app(url: str, tmp_path, **engine):
    """Another app (its own engine and pool) on `url`, as a separate server process would have."""
    config = make_config(url, tmp_path, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, **engine})
    other = create_app(config)
    other.test_client_class = FreshContextClient
    return other


def _assert_japanese_503(response) -> None:
    """A Japanese error page with status 503, and nothing technical in it."""
    html = response.get_data(as_text=True)
    assert response.status_code == 503, html[:500]
    assert "ただいま混み合っています" in html and "時間をおいてから" in html
    for leak in ("Traceback", "OperationalError", "sqlalchemy", "psycopg", "sqlite3", "database is locked"):
        assert leak not in html
    assert response.headers.get("Retry-After")


def _exercise(client, ticket_number: str, outage, expect_health_503: bool) -> None:
    """Pages work, fail in Japanese during the outage, and work again afterwards."""
    assert client.post("/login", data={"login": "req", "password": factories.PASSWORD}).status_code == 302
    assert client.get("/tickets/mine").status_code == 200
    with outage():
        _assert_japanese_503(client.get("/tickets/mine"))
        _assert_japanese_503(client.get(f"/tickets/{ticket_number}"))
        response = client.post(f"/tickets/{ticket_number}/reply", data={"body": "停止中の返信"})
        _assert_japanese_503(response)
        if expect_health_503:
            health = client.application.test_client().get("/healthz")  # a probe has no session
            assert health.status_code == 503, health.get_json()
            assert health.get_json()["checks"]["database"].startswith("error")
    # recovered without restart: the same app object, the same pool
    assert client.get("/healthz").status_code == 200
    page = client.get(f"/tickets/{ticket_number}")
    assert page.status_code == 200
    assert "停止中の返信" not in page.get_data(as_text=True)
    response = client.post(f"/tickets/{ticket_number}/reply", data={"body": "復旧後の返信"})
    assert response.status_code == 302
    assert "復旧後の返信" in client.get(f"/tickets/{ticket_number}").get_data(as_text=True)


def test_database_outage_and_recovery(app, users, tmp_path):
    """Cut the database (PostgreSQL: proxy; SQLite: exclusive lock), then bring it back."""
    ticket = factories.make_ticket(users["requester"])
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        other = _second_app(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
                            tmp_path, connect_args={"connect_timeout": 3})

        @contextmanager
        def outage():
            proxy.cut()
            try:
                yield
            finally:
                proxy.restore()

        health_503 = True
    else:
        proxy = None
        other = _second_app(url.render_as_string(hide_password=False), tmp_path, connect_args={"timeout": 0.5})

        @contextmanager
        def outage():
            locker = sqlite3.connect(url.database, isolation_level=None)
            locker.execute("BEGIN EXCLUSIVE")
            try:
                yield
            finally:
                locker.execute("ROLLBACK")
                locker.close()

        health_503 = True  # the health check reads a table, which the exclusive lock blocks
    try:
        _exercise(other.test_client(), ticket.number, outage, health_503)
    finally:
        with other.app_context():
            db.engine.dispose()
        if proxy:
            proxy.stop()
