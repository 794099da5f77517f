"""End-to-end fixtures: the real app served on 127.0.0.1 by werkzeug, seeded with the demo content,
driven by a headless Chromium (the system's /usr/bin/chromium) through Playwright.

The fixture names start with `e2e_` so that they never collide with pytest-playwright's own
`browser` / `page` fixtures (which would try to use a downloaded browser)."""
import atexit
import inspect
import os
import shutil
import sys
import tempfile
import threading
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from consult import create_app
from models import db

from ..conftest import make_config, migrate_schema

CHROMIUM = os.environ.get("CONSULT_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--lang=ja",
]
# Screenshots go to a temporary folder, so that a test run leaves the work tree as it was;
# `make screenshots` (CONSULT_SCREENSHOTS=docs/screenshots) refreshes the pictures of the README.
_KEEP_SCREENSHOTS = os.environ.get("CONSULT_SCREENSHOTS")
SCREENSHOTS = Path(_KEEP_SCREENSHOTS or tempfile.mkdtemp(prefix="consult-screenshots-")).resolve()
if not _KEEP_SCREENSHOTS:
    atexit.register(shutil.rmtree, SCREENSHOTS, ignore_errors=True)
DEFAULT_VIEWPORT = {"width": 1280, "height": 900}


class RequestLog:
    """Every URL the browser asked for during the session (to prove nothing leaves 127.0.0.1)."""

    def __init__(self):
        self.urls: list[str] = []
        self._lock = threading.Lock()

    def record(self, request) -> None:
        """Remember one request."""
        with self._lock:
            self.urls.append(request.url)

    def outside(self) -> list[str]:
        """Requests to any host other than 127.0.0.1 (data: and blob: URLs are local)."""
        bad = []
        for url in list(self.urls):
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if parts.hostname != "127.0.0.1":
                bad.append(url)
        return bad


def _pg_database(base_url: str):
    """Create a private PostgreSQL database next to the configured test one; return (url, dropper)."""
    name = f"e2e_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)

    def drop():
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
            ), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return url, drop


@pytest.fixture(scope="session")
def e2e_server():
    """The app on a fresh, demo-seeded database, served on 127.0.0.1 in a background thread."""
    from werkzeug.serving import make_server

    from consult.demo import seed

    tmp = Path(tempfile.mkdtemp(prefix="consult-e2e-"))
    pg_url = os.environ.get("CONSULT_TEST_DATABASE_URL")
    if pg_url:
        url, drop = _pg_database(pg_url)
    else:
        url, drop = f"sqlite:///{tmp / 'e2e.sqlite3'}", None
    migrate_schema(url)
    app = create_app(make_config(url, tmp, WTF_CSRF_ENABLED=True, TESTING=False, DEBUG=False))
    with app.app_context():
        seed.run(echo=lambda *a, **k: None)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield {"app": app, "url": f"http://127.0.0.1:{server.server_port}", "tmp": tmp}
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if drop:
            drop()


@pytest.fixture(scope="session")
def e2e_requests():
    """The session-wide log of browser requests."""
    return RequestLog()


class _CheapStack:
    """Stands for the ``inspect`` module inside Playwright's connection code, with a cheaper ``stack()``.

    Every Playwright call records its caller's stack (for trace files and error messages) with
    ``inspect.stack(0)``, which looks up every frame's source file and module: under pytest's deep stacks that was
    a tenth of the whole suite's CPU time. The same frames, with their code objects' file names, are all Playwright
    reads (file, line, function, locals' ``self``)."""

    def __getattr__(self, name):
        return getattr(inspect, name)

    @staticmethod
    def stack(context=1):
        """The caller's frames, innermost first, as ``inspect.FrameInfo`` without source look-ups."""
        frames, frame = [], sys._getframe(1)
        while frame is not None:
            frames.append(inspect.FrameInfo(frame, frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name,
                                            None, None))
            frame = frame.f_back
        return frames


def _cheap_playwright_stacks() -> None:
    """Give Playwright's modules that record call stacks the cheap ``stack()`` (see _CheapStack)."""
    from playwright._impl import _connection, _network

    for module in (_connection, _network):
        module.inspect = _CheapStack()


@pytest.fixture(scope="session")
def e2e_browser():
    """One headless Chromium for the whole session (the system package, never a downloaded one)."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. Install it: apt-get install -y chromium chromium-driver "
            "fonts-ipafont-gothic (the end-to-end tests need a real browser; they do not skip).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    _cheap_playwright_stacks()
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()
        pw.stop()


class Session:
    """Factory of logged-in browser pages (one browser context per user, like separate PCs)."""

    def __init__(self, browser, server, requests):
        self.browser = browser
        self.base = server["url"]
        self.server = server
        self.requests = requests
        self._contexts = []

    def new_page(self, viewport=None, **context_args):
        """A page in a new, empty browser context (no cookies), recording its requests."""
        context = self.browser.new_context(
            base_url=self.base, viewport=viewport or DEFAULT_VIEWPORT, locale="ja-JP",
            timezone_id="Asia/Tokyo", accept_downloads=True, **context_args,
        )
        context.set_default_timeout(10_000)
        context.on("request", self.requests.record)
        self._contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and not msg.text.startswith("Failed to load resource")
                and page.console_errors.append(msg.text))
        page.on("response", lambda r: r.request.resource_type != "document" and r.status >= 400
                and page.console_errors.append(f"HTTP {r.status} {r.url}"))
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        return page

    def login(self, login: str, viewport=None, reuse=False, **context_args):
        """A page logged in as `login` (a demo user) through the real login form; with `reuse`, a new
        context that starts from the cookies of an earlier login (faster)."""
        from consult.demo.seed import DEMO_PASSWORDS

        states = self.server.setdefault("states", {})
        if reuse and login in states:
            page = self.new_page(viewport=viewport, storage_state=states[login], **context_args)
            page.goto("/")
            assert "/login" not in page.url
            return page

        page = self.new_page(viewport=viewport, **context_args)
        password = DEMO_PASSWORDS["admin"] if login == "admin" else DEMO_PASSWORDS["requester"]
        page.goto("/login")
        page.get_by_label("ログインID").fill(login)
        page.locator("#password").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="ログイン").click()
        assert "/login" not in page.url, f"login as {login} failed: {page.url}"
        states[login] = page.context.storage_state()
        return page

    def close(self):
        """Close every context opened by this test."""
        for context in self._contexts:
            context.close()
        self._contexts.clear()


@pytest.fixture
def e2e(e2e_browser, e2e_server, e2e_requests):
    """Per-test factory of pages; contexts are closed after the test."""
    session = Session(e2e_browser, e2e_server, e2e_requests)
    yield session
    session.close()


@pytest.fixture(scope="session")
def shared_state():
    """What one journey leaves for the next (the ticket number filed in journey 1, the case ref …)."""
    return {}


def save_png(target, name: str, **options) -> Path:
    """Save a PNG of a page or of one element under SCREENSHOTS with a stable name; return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    target.screenshot(path=str(path), animations="disabled", caret="hide", **options)
    return path


def screenshot(page, name: str) -> None:
    """Save the whole page (scrolled) as a PNG."""
    save_png(page, name, full_page=True)
