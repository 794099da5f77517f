"""Fixtures in the flaskr style: app, client, runner, auth — on SQLite, or PostgreSQL when
CONSULT_TEST_DATABASE_URL is set."""
import os
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from consult import create_app
from consult.desk import search_sql
from consult.search import index as search_index
from models import db

from . import factories

PG_URL = os.environ.get("CONSULT_TEST_DATABASE_URL")


def _reset_schema(url: str) -> None:
    """Start the session from an empty database."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.metadata.create_all(conn)
        search_sql.install(conn)  # keyword index of the queue (SQLite FTS5), not part of the metadata
    engine.dispose()


@pytest.fixture(scope="session")
def database_url():
    """The test database: PostgreSQL when configured, else a fresh SQLite file."""
    if PG_URL:
        url = PG_URL
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='consult-test-')) / 'test.sqlite3'}"
    _reset_schema(url)
    return url


def _empty_tables() -> None:
    """Remove every row so that each test starts clean (fast compared with recreating the schema)."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            db.session.execute(text(f'DELETE FROM "{name}"'))
    db.session.commit()


def make_config(database_url, tmp_path, **overrides) -> dict:
    """The configuration of a test app, isolated in tmp_path."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CONSULT_SEARCH_INDEX": str(tmp_path / "search_index"),
        "CONSULT_ATTACHMENTS": str(tmp_path / "attachments"),
        "CONSULT_INSTANCE": str(tmp_path / "instance"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "",
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_config():
    """Per-test overrides of the app configuration (tests may update this dict before `app`)."""
    return {}


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The `app` fixture keeps an app context pushed for factories; without this, requests would
    reuse it and share `g` (the logged-in user) and the database session between requests."""

    def open(self, *args, **kwargs):
        """Send the request inside a new app context."""
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url, tmp_path, app_config):
    """A fresh app on the shared test database, emptied after each test; an app context is pushed."""
    app = create_app(make_config(database_url, tmp_path, **app_config))
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        db.session.rollback()
        _empty_tables()
        db.session.remove()
        db.engine.dispose()
        search_index.close_all()  # index files are read without mmap: close them with the test


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


class AuthActions:
    """Log in and out through the real login form."""

    def __init__(self, client):
        self._client = client

    def login(self, login, password=factories.PASSWORD):
        """Post the login form."""
        return self._client.post("/login", data={"login": login, "password": password})

    def logout(self):
        """Post the logout form."""
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    """Login helper bound to `client`."""
    return AuthActions(client)


@pytest.fixture
def users(app):
    """One user per role: two requesters of the same department, one of another, DX staff, admin."""
    dept = factories.make_department(name="人事課")
    other = factories.make_department(name="道路課")
    return {
        "requester": factories.make_user("req", department=dept, name="山田 花子"),
        "colleague": factories.make_user("req_colleague", department=dept, name="佐藤 一郎"),
        "other": factories.make_user("req_other", department=other, name="鈴木 次郎"),
        "dx_staff": factories.make_user("dx", role="dx_staff", name="高橋 三郎"),
        "dx_staff2": factories.make_user("dx2", role="dx_staff", name="田中 四郎"),
        "admin": factories.make_user("admin", role="admin", name="管理 五郎"),
    }


class QueryCounter:
    """Counts SQL statements sent by the app while active."""

    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        """Number of statements seen."""
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """Context manager factory: `with count_queries() as counter: client.get(...)`."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting
