"""Helpers of the fault tests: a gunicorn server on a free port, a tiny form-aware HTTP client, a TCP proxy."""
from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE = re.compile(r'value="([^"]+)"')


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn (gunicorn.conf.py) running `wsgi` on 127.0.0.1 with a few workers, stopped by stop()."""

    def __init__(self, wsgi: str, env: dict, workers: int = 2, log: Path | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {**os.environ, "CONSULT_BIND": f"127.0.0.1:{self.port}", "CONSULT_WORKERS": str(workers),
                    "CONSULT_SECRET_KEY": secrets.token_urlsafe(32), "CONSULT_MAIL_SERVER": "",
                    "CONSULT_TOTP_REQUIRED_ROLES": "",  # staff sign in with a password only here
                    "CONSULT_RATELIMIT_STORAGE": "redis://127.0.0.1:6379/0",
                    "CONSULT_RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(6)}", "CONSULT_LOG_LEVEL": "warning",
                    "PYTHONPATH": str(ROOT), **env}
        self.log = open(log or os.devnull, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), wsgi],
                                     cwd=ROOT, env=full_env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until /healthz answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise TimeoutError("gunicorn did not become ready")

    def workers(self) -> set[int]:
        """Pids of the current workers (children of the master)."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return {int(p) for p in children.read_text().split()} if children.exists() else set()

    def terminate(self) -> None:
        """Ask the master to stop (SIGTERM) without waiting (see stop())."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        """Stop the master (and so the workers): SIGTERM, then SIGKILL after 15 s."""
        self.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class Browser:
    """Cookies, CSRF tokens from pages, form posts (urlencoded or multipart); never raises on 4xx/5xx."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None, timeout: float = 20.0):
        """(status, headers, text) of one request."""
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=timeout) as r:
                return r.status, r.headers, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode("utf-8", "replace")

    def get(self, path: str, **kw):
        """GET a path."""
        return self.request(path, **kw)

    def csrf(self, path: str) -> str:
        """The CSRF token of the form on a page."""
        status, _, text = self.get(path)
        match = CSRF_INPUT.search(text)
        assert match, f"no csrf_token on {path} ({status})"
        return VALUE.search(match.group(0)).group(1)

    def post(self, path: str, fields: dict, files: dict | None = None, timeout: float = 20.0):
        """POST a form (multipart when files={name: (filename, bytes, type)})."""
        if files is None:
            body = urllib.parse.urlencode(fields).encode()
            return self.request(path, body, {"Content-Type": "application/x-www-form-urlencoded"}, timeout)
        body, ctype = multipart(fields, files)
        return self.request(path, body, {"Content-Type": ctype}, timeout)

    def login(self, login: str, password: str) -> None:
        """Log in through the real form."""
        token = self.csrf("/login")
        status, headers, _ = self.post("/login", {"csrf_token": token, "login": login, "password": password})
        assert status == 302, f"login as {login}: {status}"

    def cookie_header(self) -> str:
        """The Cookie header the browser would send."""
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep 302 responses visible (the tests look at Location)."""

    def redirect_request(self, *args, **kwargs):
        return None


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type."""
    boundary = "----fault" + secrets.token_hex(8)
    out = []
    for name, value in fields.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data, ctype) in files.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                   f"Content-Type: {ctype}\r\n\r\n".encode() + data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def intake_fields(token: str, title: str) -> dict:
    """A complete 相談する form."""
    return {"csrf_token": token, "title": title, "purpose": "各課の実績を取りまとめて報告するため",
            "current_process": "Excelを手作業で貼り付けている", "problem": "毎月2日かかり転記ミスもある",
            "desired_state": "半日で終わる", "frequency": "毎月", "hours_per_month": "16", "urgency": "medium",
            "desired_timing": "", "contains_personal_info": "no", "category": "", "action": "submit",
            "intake_token": secrets.token_urlsafe(16)}


def pdf(size: int) -> bytes:
    """A PDF-looking file of `size` bytes."""
    return b"%PDF-1.4\n" + b"0" * (size - 9)


class TcpProxy:
    """A TCP proxy in a thread: 127.0.0.1:port → target; cut() drops every connection and refuses new ones."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.conns: list[socket.socket] = []
        self.lock = threading.Lock()
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        """Accept clients; while cut, close them at once."""
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        """Copy bytes both ways until one side closes."""
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 1.0)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    (b if s is a else a).sendall(data)
        except (OSError, ValueError):  # ValueError: cut() closed the socket under select()
            return
        finally:
            a.close()
            b.close()

    def cut(self) -> None:
        """The database becomes unreachable: existing connections reset, new ones refused."""
        self.up = False
        with self.lock:
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.conns.clear()

    def restore(self) -> None:
        """The database is reachable again."""
        self.up = True

    def stop(self) -> None:
        """Stop listening and drop everything."""
        self.cut()
        self.stopped = True
        self.listener.close()
