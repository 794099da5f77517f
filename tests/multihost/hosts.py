"""Two (or more) app hosts on one PostgreSQL: each a gunicorn with its own index, instance and
attachment directories, plus its `flask search follow` process."""
from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from tests.faults.helpers import ROOT, Browser, Server

FAST = {  # quick clocks for the tests (production defaults: docs/deploy.md)
    "CONSULT_SEARCH_FOLLOW_EVERY": "0.2", "CONSULT_SEARCH_GAP_TIMEOUT": "20", "CONSULT_SEARCH_VERIFY_EVERY": "5",
    "CONSULT_SEARCH_HOST_TTL": "4", "CONSULT_SEARCH_LOG_RETAIN_HOURS": "0",
}


class Host:
    """One app host: `start()` runs gunicorn (2 workers) and the follower; `stop()` ends both."""

    def __init__(self, name: str, base: Path, database_url: str, follower: bool = True, web: bool = True):
        self.name = name
        self.dir = base / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.index = self.dir / "search_index"
        self.database_url = database_url
        self.follower = follower
        self.web = web
        self.server: Server | None = None
        self.follow_proc = None
        self.secret = secrets.token_urlsafe(32)

    def env(self, database_url: str | None = None) -> dict:
        return {"CONSULT_DATABASE_URL": database_url or self.database_url, "CONSULT_SEARCH_INDEX": str(self.index),
                "CONSULT_INSTANCE": str(self.dir / "instance"), "CONSULT_ATTACHMENTS": str(self.dir / "attachments"),
                "CONSULT_HOST_ID": f"host-{self.name}", "CONSULT_SECRET_KEY": self.secret, "CONSULT_MAIL_SERVER": "",
                "CONSULT_TOTP_REQUIRED_ROLES": "",  # staff sign in with a password only here
                "CONSULT_HOSTS": "2", "CONSULT_RATELIMIT_STORAGE": "redis://127.0.0.1:6379/0",
                "CONSULT_RATELIMIT_KEY_PREFIX": f"multihost-{self.secret[:8]}", **FAST}

    def launch(self) -> Host:
        """Start the processes without waiting (see ready())."""
        if self.web:
            self.server = Server("app:app", self.env(), workers=2, log=self.dir / "gunicorn.log")
        if self.follower:
            self.follow_log = open(self.dir / "follow.log", "ab")
            self.follow_proc = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "app", "search", "follow"], cwd=ROOT,
                env={**os.environ, **self.env(), "PYTHONPATH": str(ROOT)}, stdout=self.follow_log,
                stderr=subprocess.STDOUT)
        return self

    def ready(self) -> Host:
        if self.server is not None:
            self.server.wait_ready(240)  # a busy shared CI machine starts gunicorn slowly
        return self

    def start(self) -> Host:
        return self.launch().ready()

    @property
    def url(self) -> str:
        return self.server.url

    def terminate(self) -> None:
        """Ask the follower and the web server to stop, without waiting (stop() waits)."""
        if self.follow_proc is not None and self.follow_proc.poll() is None and not getattr(self, "_told", False):
            self.follow_proc.send_signal(signal.SIGINT)  # once: a second SIGINT would interrupt its clean exit
            self._told = True
        if self.server is not None:
            self.server.terminate()

    def stop(self) -> None:
        """Stop both processes: signalled together, then each waited for (killed after its grace time)."""
        self.terminate()
        if self.follow_proc is not None:
            try:
                self.follow_proc.wait(10)
            except subprocess.TimeoutExpired:
                self.follow_proc.kill()
                self.follow_proc.wait()
        self.follow_proc = None
        self._told = False
        if getattr(self, "follow_log", None) is not None:
            self.follow_log.close()
            self.follow_log = None
        if self.server is not None:
            self.server.stop()
        self.server = None

    def flask(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run a `flask --app app …` command as this host."""
        return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, timeout=timeout,
                              env={**os.environ, **self.env(), "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)

    def index_refs(self) -> set[str]:
        """Refs in this host's index, read from its directory."""
        from consult.search import index

        ix = index.open_index(str(self.index), create=False)
        with ix.reader() as reader:
            return {fields["ref"] for fields in reader.all_stored_fields()}

    def browser(self, login: str, password: str) -> Browser:
        b = Browser(self.url)
        b.login(login, password)
        return b


def found_refs(browser: Browser, word: str) -> set[str]:
    """Case refs that the search page of a host lists for `word`."""
    status, _, html = browser.get(f"/cases/?q={quote(word)}")
    assert status == 200, status
    return set(re.findall(r'<h3><a href="/cases/([^"?]+)"', html))


def wait_for(check, timeout: float, every: float = 0.05):
    """Poll `check()` until truthy; returns (value, seconds until the successful check began) or raises
    AssertionError."""
    start = time.monotonic()
    while True:
        began = time.monotonic() - start  # a check begun within the limit that finds it counts
        value = check()
        if value:
            return value, began
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(every)
