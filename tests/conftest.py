"""Fixtures in the flaskr style: app, client, runner, auth — on SQLite, or PostgreSQL when
CONSULT_TEST_DATABASE_URL is set.

Speed: one app (and so one engine, one Jinja environment, one SQLAlchemy statement cache) is built per
configuration and reused by every test asking for that configuration, as indico does. Each test still starts
from empty tables, its own configuration (restored from a snapshot), its own directories for the search index,
attachments and instance files (under its tmp_path), and fresh rate-limit counters. The schema comes from the
Alembic migrations (`flask db upgrade`), exactly what a deployment gets."""
import copy
import logging
import os
import sqlite3
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from consult import create_app
from consult.search import index as search_index
from models import db

from . import factories

PG_URL = os.environ.get("CONSULT_TEST_DATABASE_URL")

# Settings the code reads from current_app.config on every use (never while building the app): a test may set
# them through `app_config` and still share the cached app; they are written into its config for that test only.
PER_TEST_KEYS = frozenset({
    "MAIL_SERVER", "MAIL_PORT", "MAIL_FROM", "MAIL_TIMEOUT", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_USE_TLS",
    "CONSULT_BASE_URL", "CONSULT_DESK_EMAIL", "WTF_CSRF_ENABLED",
})
# Each test's own directories (see make_config).
DIRECTORY_KEYS = ("CONSULT_SEARCH_INDEX", "CONSULT_ATTACHMENTS", "CONSULT_INSTANCE")


def _quiet_logging():
    """Save the logging setup that Alembic's env.py replaces (fileConfig of alembic.ini); returns a restorer."""
    names = ("", "alembic", "sqlalchemy.engine", "flask_migrate")
    saved = {n: (lg.level, list(lg.handlers), lg.propagate, lg.disabled)
             for n in names for lg in [logging.getLogger(n)]}

    def restore():
        for name, (level, handlers, propagate, disabled) in saved.items():
            lg = logging.getLogger(name)
            lg.setLevel(level)
            lg.handlers[:] = handlers
            lg.propagate, lg.disabled = propagate, disabled

    return restore


def migrate_schema(url: str) -> None:
    """Create the schema of an empty database with the Alembic migrations (what `flask db upgrade` does)."""
    from flask_migrate import upgrade

    tmp = Path(tempfile.mkdtemp(prefix="consult-migrate-"))
    app = create_app(make_config(url, tmp))
    restore = _quiet_logging()
    try:
        with app.app_context():
            upgrade()
            db.engine.dispose()
    finally:
        restore()


def _reset_schema(url: str) -> None:
    """Start the session from an empty database, migrated to the head revision."""
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate_schema(url)
    if engine.dialect.name == "postgresql":
        # Tests empty the tables with DELETE (see _empty_tables). Without vacuum the freed space is never reused, so
        # rows come back in the order they were inserted, as in a fresh table; with it, a test reading without
        # ORDER BY now and then saw its rows in another order.
        with engine.begin() as conn:
            for (name,) in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")):
                conn.execute(text(f'ALTER TABLE "{name}" SET (autovacuum_enabled = off)'))
        engine.dispose()


def _worker_database(base_url: str, worker: str) -> str:
    """The PostgreSQL database of one pytest-xdist worker: ``<configured name>_<worker>`` on the same server, created
    when missing (workers must not empty each other's tables). Without xdist the configured database itself."""
    if not worker:
        return base_url
    url = make_url(base_url)
    name = f"{url.database}_{worker}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url():
    """The test database: PostgreSQL when configured (one per xdist worker), else a fresh SQLite file."""
    if PG_URL:
        url = _worker_database(PG_URL, os.environ.get("PYTEST_XDIST_WORKER", ""))
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='consult-test-')) / 'test.sqlite3'}"
    _reset_schema(url)
    return url


def _empty_tables() -> None:
    """Remove every row so that each test starts clean (fast compared with recreating the schema).

    PostgreSQL: one DO block deletes every table's rows (children first) and restarts the sequences that were
    used, in one round trip. TRUNCATE … RESTART IDENTITY did the same in 2.5× the time (it makes new files for
    every table and index each test; truncating only the tables with rows was no faster). Autovacuum is off for the
    test tables (_reset_schema), so new rows keep their insertion order. The queue's keyword index follows: by its delete trigger on SQLite, by
    ON DELETE CASCADE on PostgreSQL."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        deletes = " ".join(f'DELETE FROM "{name}";' for name in tables)
        db.session.execute(text(
            "DO $$DECLARE s record; BEGIN " + deletes + " FOR s IN SELECT schemaname, sequencename FROM pg_sequences"
            " WHERE schemaname = current_schema() AND last_value IS NOT NULL LOOP"
            " EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.schemaname, s.sequencename); END LOOP; END$$"))
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
        "CONSULT_TOTP_REQUIRED_ROLES": "",  # tests of the second factor turn it on (tests/auth/test_second_factor.py)
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


def _no_flush_to_disk(dbapi_connection, _record) -> None:
    """Commits of the shared test engines are not flushed to disk (a test database need not survive a power cut;
    the fsync of every commit was a third of the suite's time). Same SQL, same results."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous = OFF")
    else:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
        dbapi_connection.commit()


class AppCache:
    """Apps built once per (database, configuration) and reused, with the configuration each had when built."""

    def __init__(self):
        self._apps: dict[tuple, tuple] = {}

    @staticmethod
    def key(database_url: str, overrides: dict) -> tuple:
        """What distinguishes two apps: the database and every override read while building the app."""
        return database_url, repr(sorted((k, v) for k, v in overrides.items() if k not in PER_TEST_KEYS))

    def get(self, database_url: str, tmp_path: Path, overrides: dict):
        """The app for this configuration, its config reset to the snapshot plus this test's values."""
        key = self.key(database_url, overrides)
        if key not in self._apps:
            shared = {k: v for k, v in overrides.items() if k not in PER_TEST_KEYS}
            app = create_app(make_config(database_url, tmp_path, **shared))
            app.test_client_class = FreshContextClient
            with app.app_context():
                event.listen(db.engine, "connect", _no_flush_to_disk)
            self._apps[key] = (app, copy.deepcopy(dict(app.config)))
        app, snapshot = self._apps[key]
        app.config.clear()
        app.config.update(copy.deepcopy(snapshot))
        fresh = make_config(database_url, tmp_path, **overrides)
        app.config.update({k: fresh[k] for k in DIRECTORY_KEYS})
        app.config.update({k: v for k, v in overrides.items() if k in PER_TEST_KEYS})
        return app

    def close(self) -> None:
        """Close every engine (end of the session)."""
        for app, _snapshot in self._apps.values():
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        self._apps.clear()


@pytest.fixture(scope="session")
def _app_cache():
    """The apps of this test session."""
    cache = AppCache()
    yield cache
    cache.close()


def _forget_search_state(tmp_path: Path) -> None:
    """Close the searchers and drop the index objects this process keeps for directories of this test (each test
    has its own index directory, so no test can see another's; this frees their files)."""
    from consult.search.state import search_state

    search_state.forget(str(tmp_path))


@pytest.fixture
def app(database_url, tmp_path, app_config, _app_cache):
    """The app of this configuration on the shared test database (built once per configuration, see AppCache),
    emptied after each test; an app context is pushed."""
    from consult.core.extensions import limiter

    app = _app_cache.get(database_url, tmp_path, app_config)
    limiter.init_app(app)  # the limiter is one object for every app: bind it to this one, with new counters
    with app.app_context():
        try:
            yield app
        finally:
            db.session.rollback()
            _empty_tables()
            db.session.remove()
            _forget_search_state(tmp_path)
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
        from consult.search.state import search_state

        counter = QueryCounter()
        with search_state.repairs_paused():  # the per-request index catch-up (every 1 s) and check: not counted
            event.listen(db.engine, "before_cursor_execute", counter)
            try:
                yield counter
            finally:
                event.remove(db.engine, "before_cursor_execute", counter)

    return counting
