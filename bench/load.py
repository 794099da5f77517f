"""Load test: 50 simulated users against gunicorn + PostgreSQL on 127.0.0.1, then a check of the database.

Usage:
    python bench/seed_scale.py --database-url URL --search-index DIR --users 1000 --tickets 20000 --cases 2000 --reindex
    python bench/load.py --database-url URL --search-index DIR [--seconds 60] [--users 50] [--workers 4] [--hosts 2]

Starts `gunicorn -c gunicorn.conf.py app:app` on a free 127.0.0.1 port (CONSULT_WORKERS workers), or uses
--url of a server already running on the same database. Users log in through the real login form (CSRF
token read from the page), then act in a loop with a think time (--think, default 0.5–2 s: far busier than
people at a desk, who pause 10 s and more between clicks): requesters (60 %) file consultations with
a unique marker in the title and reply to them, DX staff (20 %) open the queue, take new tickets
(「自分が担当」) and add internal notes, readers (20 %) search cases, open them and list their tickets.

Rate limits stay on, shared by the workers in Redis (CONSULT_RATELIMIT_STORAGE=redis://127.0.0.1:6379/N,
--redis-db); like 50 people on 50 PCs, each simulated user sends from its own loopback address
127.0.0.(11…) so the per-address login limit applies per user, as in the office.

All users log in first (through the form, 0.1 s apart; the login figures are printed apart, argon2 is
deliberately slow), then the timed window of --seconds starts for everyone at once. Prints throughput,
p50/p95/p99 per action and overall (client-side, and the app time from the server's JSON access log), errors (5xx, timeouts, unexpected statuses; a 409
from optimistic locking is counted apart), then checks the database: every ticket and reply that the
server acknowledged exists exactly once, nothing unacknowledged exists twice, and every published case
is in the search index. Exit status 1 when there were errors or lost writes.
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.seed_scale import fix_sequences  # noqa: E402

PASSWORD = "scale-pass-2026"  # bench/seed_scale.py
FORM = re.compile(r'<form([^>]*)>(.*?)</form>', re.S)
ACTION = re.compile(r'action="([^"]*)"')
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
ATTR = re.compile(r'(name|value)="([^"]*)"')
TICKET_LINK = re.compile(r'href="/tickets/(DX-\d{4}-\d+)"')
CASE_LINK = re.compile(r'href="/cases/([A-Za-z0-9_-]+)"')
QUERIES = ["Excel 集計", "押印", "会議録", "RPA", "電子申請", "問い合わせ対応", "テレワーク", "ファイル共有", "議事録 作成",
           "アンケート 集計", "台帳 管理", "生成AI"]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One simulated browser: own loopback source address, cookies, no redirects followed."""

    def __init__(self, host: str, port: int, source_ip: str, timeout: float = 30.0):
        self.host, self.port, self.source_ip, self.timeout = host, port, source_ip, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, ctype: str | None = None):
        """(status, headers dict, text); raises OSError on network failures."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout, source_address=(self.source_ip, 0))
        headers = {"Host": f"{self.host}:{self.port}", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if ctype:
            headers["Content-Type"] = ctype
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for raw in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = raw.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, dict(response.headers), text
        finally:
            conn.close()


def forms(html: str) -> dict[str, dict[str, str]]:
    """Hidden inputs of every form on a page, by action URL."""
    found = {}
    for attrs, inner in FORM.findall(html):
        match = ACTION.search(attrs)
        action = match.group(1) if match else ""
        fields = {}
        for tag in HIDDEN.findall(inner):
            attrs = dict(ATTR.findall(tag))
            if "name" in attrs:
                fields[attrs["name"]] = attrs.get("value", "")
        found[action.replace("&amp;", "&")] = fields
    return found


def csrf_of(html: str) -> str:
    """The first CSRF token on a page."""
    for fields in forms(html).values():
        if "csrf_token" in fields:
            return fields["csrf_token"]
    raise ValueError("no csrf_token on the page")


@dataclass
class Stats:
    """Shared results of all simulated users."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict = field(default_factory=lambda: defaultdict(list))
    errors: dict = field(default_factory=lambda: defaultdict(int))
    error_samples: list = field(default_factory=list)
    conflicts: int = 0
    tickets_ok: list = field(default_factory=list)      # (marker, number) acknowledged by a redirect
    tickets_unsure: list = field(default_factory=list)  # markers sent without an acknowledgement
    replies_ok: list = field(default_factory=list)
    replies_unsure: list = field(default_factory=list)
    notes_ok: list = field(default_factory=list)

    def record(self, action: str, seconds: float) -> None:
        """One timed request."""
        with self.lock:
            self.times[action].append(seconds)

    def error(self, action: str, what: str) -> None:
        """One failed request."""
        with self.lock:
            self.errors[action] += 1
            if len(self.error_samples) < 20:
                self.error_samples.append(f"{action}: {what}")


class User(threading.Thread):
    """A simulated user acting until the deadline."""

    def __init__(self, role: str, login: str, client: Client, stats: Stats, clock: dict, run_id: str, seed: int):
        super().__init__(daemon=True)
        self.role, self.login, self.client, self.stats, self.clock, self.run_id = role, login, client, stats, clock, run_id
        self.rng = random.Random(seed)
        self.think = (0.5, 2.0)
        self.mine: list[str] = []
        self.n = 0

    def call(self, action: str, method: str, path: str, expect=(200,), body=None, ctype=None):
        """Timed request; returns (status, headers, text) or None after an error."""
        t0 = time.perf_counter()
        try:
            status, headers, text = self.client.request(method, path, body, ctype)
        except (OSError, http.client.HTTPException) as exc:
            self.stats.error(action, f"{type(exc).__name__}: {exc}")
            return None
        self.stats.record(action, time.perf_counter() - t0)
        if status == 409:
            with self.stats.lock:
                self.stats.conflicts += 1
            return status, headers, text
        if status not in expect:
            self.stats.error(action, f"HTTP {status} {path}")
            return None
        return status, headers, text

    def post(self, action: str, path: str, fields: dict, expect=(302,)):
        """POST an urlencoded form."""
        return self.call(action, "POST", path, expect, urllib.parse.urlencode(fields).encode(),
                         "application/x-www-form-urlencoded")

    def marker(self, kind: str) -> str:
        """A unique text for one write."""
        self.n += 1
        return f"LOAD-{self.run_id}-{kind}-{self.login}-{self.n}"

    def log_in(self) -> bool:
        """Log in through the real form."""
        page = self.call("login", "GET", "/login")
        if page is None:
            return False
        answer = self.post("login", "/login", {"csrf_token": csrf_of(page[2]), "login": self.login, "password": PASSWORD})
        return answer is not None

    def run(self) -> None:
        """Log in, wait for everyone, then act until the deadline."""
        logged_in = self.log_in()
        self.clock["ready"].release()
        self.clock["go"].wait()
        if not logged_in:
            return
        time.sleep(self.rng.uniform(0, self.think[1]))  # people do not all click in the same second
        act = {"requester": self.requester, "staff": self.staff, "reader": self.reader}[self.role]
        while time.monotonic() < self.clock["deadline"]:
            try:
                act()
            except (ValueError, KeyError, IndexError) as exc:  # a page without the expected form or link
                self.stats.error(self.role, f"page: {type(exc).__name__}: {exc}")
            time.sleep(self.rng.uniform(*self.think))  # think time

    def requester(self) -> None:
        """File a consultation or reply to one of ours; look at the list now and then."""
        if not self.mine or self.rng.random() < 0.4:
            page = self.call("intake form", "GET", "/tickets/new")
            if page is None:
                return
            title = self.marker("T")
            fields = {"csrf_token": csrf_of(page[2]), "title": title, "purpose": "各課の実績を取りまとめて報告するため",
                      "current_process": "各課のExcelを手作業で貼り付けている", "problem": "毎月2日かかり転記ミスもある",
                      "desired_state": "半日で終わる", "frequency": "毎月", "hours_per_month": "16", "urgency": "medium",
                      "contains_personal_info": "no", "category": "", "action": "submit",
                      "intake_token": secrets.token_urlsafe(16)}
            answer = self.post("file ticket", "/tickets/new", fields)
            if answer is None:
                with self.stats.lock:
                    self.stats.tickets_unsure.append(title)
                return
            number = answer[1].get("Location", "").rstrip("/").rsplit("/", 1)[-1]
            with self.stats.lock:
                self.stats.tickets_ok.append((title, number))
            self.mine.append(number)
            self.call("ticket page", "GET", f"/tickets/{number}")
        elif self.rng.random() < 0.7:
            number = self.rng.choice(self.mine)
            page = self.call("ticket page", "GET", f"/tickets/{number}")
            if page is None:
                return
            body = self.marker("R")
            action = f"/tickets/{number}/reply"
            answer = self.post("reply", action, {"csrf_token": forms(page[2])[action]["csrf_token"], "body": body})
            with self.stats.lock:
                (self.stats.replies_ok if answer is not None and answer[0] == 302 else self.stats.replies_unsure).append(body)
        else:
            self.call("my tickets", "GET", "/tickets/mine")

    def staff(self) -> None:
        """Open the queue of new tickets, take one and add an internal note; or look at the board."""
        if self.rng.random() < 0.15:
            self.call("workload", "GET", "/desk/workload")
            return
        queue = self.call("queue", "GET", self.rng.choice(["/desk/?status=new", "/desk/", "/desk/?status=open&sort=priority"]))
        if queue is None:
            return
        numbers = TICKET_LINK.findall(queue[2])
        if not numbers:
            return
        number = self.rng.choice(numbers[:10])
        page = self.call("ticket page (staff)", "GET", f"/tickets/{number}")
        if page is None:
            return
        available = forms(page[2])
        take = f"/desk/tickets/{number}/self-assign"
        if take in available:
            self.post("self-assign", take, available[take], expect=(302,))
        note = f"/desk/tickets/{number}/note"
        if note in available and self.rng.random() < 0.5:
            body = self.marker("N")
            fields = {**available[note], "note-body": body}
            answer = self.post("internal note", note, fields, expect=(302,))
            if answer is not None and answer[0] == 302:
                with self.stats.lock:
                    self.stats.notes_ok.append(body)

    def reader(self) -> None:
        """Search cases, open one, or list the department's tickets."""
        query = urllib.parse.quote(self.rng.choice(QUERIES))
        result = self.call("case search", "GET", f"/cases/?q={query}")
        if result is None:
            return
        refs = CASE_LINK.findall(result[2])
        refs = [r for r in refs if r not in ("manage", "new")]
        if refs:
            self.call("case page", "GET", f"/cases/{self.rng.choice(refs[:10])}")
        if self.rng.random() < 0.3:
            self.call("my tickets", "GET", "/tickets/mine")


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile in milliseconds."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))] * 1000


def host_dirs(args, n: int) -> tuple[str, str]:
    """(index directory, instance directory) of host n (one host: the given ones)."""
    if args.hosts == 1:
        return args.search_index, args.attachments
    inst = Path(args.attachments) / f"host{n}"
    inst.mkdir(parents=True, exist_ok=True)
    return f"{args.search_index}-host{n}", str(inst)


def start_server(args, port: int, n: int = 0) -> list[subprocess.Popen]:
    """gunicorn on 127.0.0.1:port against the database (workers from --workers); with --hosts > 1 each
    host has its own index and instance directories and its own `flask search follow`."""
    index_dir, inst = host_dirs(args, n)
    env = {**os.environ, "CONSULT_DATABASE_URL": args.database_url, "CONSULT_SEARCH_INDEX": index_dir,
           "CONSULT_BIND": f"127.0.0.1:{port}", "CONSULT_WORKERS": str(args.workers),
           "CONSULT_SECRET_KEY": args.secret, "CONSULT_MAIL_SERVER": "", "CONSULT_HOSTS": str(args.hosts),
           "CONSULT_HOST_ID": f"load-{args.run_id}-{n}",
           "CONSULT_RATELIMIT_STORAGE": f"redis://127.0.0.1:6379/{args.redis_db}", "CONSULT_LOG_LEVEL": "warning",
           "CONSULT_ATTACHMENTS": str(Path(inst) / "attachments") if args.hosts > 1 else inst, "CONSULT_INSTANCE": inst,
           "CONSULT_TOTP_REQUIRED_ROLES": ""}  # simulated staff sign in with a password only
    log = open(Path(inst) / "gunicorn.log", "ab")
    procs = [subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "app:app"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)]
    if args.hosts > 1:
        procs.append(subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "search", "follow"], cwd=ROOT,
                                      env=env, stdout=log, stderr=subprocess.STDOUT))
    deadline = time.monotonic() + 300  # a busy machine starts gunicorn slowly
    while time.monotonic() < deadline:
        try:
            if Client("127.0.0.1", port, "127.0.0.1", 2).request("GET", "/healthz")[0] == 200:
                return procs
        except OSError:
            pass
        time.sleep(0.3)
    for proc in procs:
        proc.kill()
    raise SystemExit("gunicorn did not start (see gunicorn.log)")


def logins(database_url: str, n: int) -> dict[str, list[str]]:
    """Logins of DX staff and requesters of the seeded database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        staff = [r[0] for r in conn.execute(text("SELECT login FROM users WHERE role='dx_staff' AND active "
                                                 "AND login LIKE 'scale%' ORDER BY id LIMIT :n"), {"n": n})]
        requesters = [r[0] for r in conn.execute(text("SELECT login FROM users WHERE role='requester' AND active "
                                                      "AND login LIKE 'scale%' ORDER BY id LIMIT :n"), {"n": n})]
    engine.dispose()
    return {"staff": staff, "requester": requesters}


def verify(args, stats: Stats) -> list[str]:
    """Check the database after the run; returns the problems found."""
    from sqlalchemy import func, select

    from consult import create_app
    from models import Case, Comment, Ticket, db

    problems = []
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "CONSULT_SEARCH_INDEX": args.search_index,
                      "SECRET_KEY": "load-verify-0123456789abcdef", "TESTING": True})
    with app.app_context():
        titles = dict(db.session.execute(select(Ticket.title, func.count()).where(Ticket.title.like(f"LOAD-{args.run_id}-%"))
                                         .group_by(Ticket.title)).all())
        numbers = dict(db.session.execute(select(Ticket.title, Ticket.number).where(Ticket.title.like(f"LOAD-{args.run_id}-%"))).all())
        for title, number in stats.tickets_ok:
            if titles.get(title) != 1:
                problems.append(f"ticket {title}: {titles.get(title, 0)} rows (acknowledged)")
            elif numbers[title] != number:
                problems.append(f"ticket {title}: number {numbers[title]} != acknowledged {number}")
        for title in stats.tickets_unsure:
            if titles.get(title, 0) > 1:
                problems.append(f"ticket {title}: {titles[title]} rows (unacknowledged)")
        bodies = dict(db.session.execute(select(Comment.body, func.count()).where(Comment.body.like(f"LOAD-{args.run_id}-%"))
                                         .group_by(Comment.body)).all())
        for body in stats.replies_ok + stats.notes_ok:
            if bodies.get(body) != 1:
                problems.append(f"comment {body}: {bodies.get(body, 0)} rows (acknowledged)")
        for body in stats.replies_unsure:
            if bodies.get(body, 0) > 1:
                problems.append(f"comment {body}: {bodies[body]} rows (unacknowledged)")
        published = set(db.session.scalars(select(Case.ref).where(Case.status == "published")))
    from consult.search import index as search_index

    for n in range(args.hosts):  # every host's own index, as its follower left it (no drain here)
        index_dir = host_dirs(args, n)[0]
        started = time.monotonic()
        while True:
            with search_index.open_index(index_dir, create=False).reader() as reader:
                indexed = {fields["ref"] for fields in reader.all_stored_fields()}
            if indexed == published or time.monotonic() - started > 10:
                break
            time.sleep(0.2)
        missing = published - indexed
        extra = indexed - published
        if missing:
            problems.append(f"host {n}: {len(missing)} published cases missing from the index, e.g. {sorted(missing)[:5]}")
        if extra:
            problems.append(f"host {n}: {len(extra)} unpublished cases in the index, e.g. {sorted(extra)[:5]}")
        print(f"database check host {n}: {len(published):,} published cases, {len(indexed):,} in its index "
              f"(checked {time.monotonic() - started:.1f} s after the run)")
    print(f"database check: {len(stats.tickets_ok)} tickets and {len(stats.replies_ok) + len(stats.notes_ok)} comments "
          f"acknowledged, {len(titles)} marked tickets found")
    return problems


def print_server_side(log: Path) -> None:
    """Time spent inside the app per request (JSON access log), to tell service time from queueing."""
    import json

    ms = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if '"consult.access"' in line and '"path": "/login"' not in line:
            try:
                ms.append(json.loads(line)["ms"] / 1000)
            except (ValueError, KeyError):
                continue
    if ms:
        print(f"{'server-side (app time)':<22} {len(ms):>6} {statistics.median(ms) * 1000:>6.0f}ms {pct(ms, 95):>6.0f}ms "
              f"{pct(ms, 99):>6.0f}ms   (the rest of the client-side time is waiting for a free worker)")


def main() -> None:
    """Run the load, print the figures, check the database."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("CONSULT_DATABASE_URL"), required=not os.environ.get("CONSULT_DATABASE_URL"))
    parser.add_argument("--search-index", default=os.environ.get("CONSULT_SEARCH_INDEX") or str(ROOT / "instance" / "load_index"))
    parser.add_argument("--url", help="an already running server (same database); default: start gunicorn")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--redis-db", type=int, default=7)
    parser.add_argument("--think", default="0.5,2.0", help="think time between actions, min,max seconds (default 0.5,2.0)")
    parser.add_argument("--attachments", default=None, help="attachment/instance directory of the started server")
    parser.add_argument("--hosts", type=int, default=1, help="app hosts (each gunicorn + follower, own index); users spread over them")
    args = parser.parse_args()
    args.run_id = secrets.token_hex(3)
    args.secret = secrets.token_urlsafe(32)  # one key for the cluster (sessions work on every host)
    args.attachments = args.attachments or str(Path(os.environ.get("TMPDIR", "/tmp")) / f"consult-load-{args.run_id}")
    Path(args.attachments).mkdir(parents=True, exist_ok=True)
    procs, stats = [], None
    fix_sequences(args.database_url)  # databases seeded before seed_scale.py did it itself
    if args.url:
        parsed = urllib.parse.urlparse(args.url)
        host, ports = parsed.hostname, [parsed.port or 80]
        args.hosts = 1
    else:
        host, ports = "127.0.0.1", [free_port() for _ in range(args.hosts)]
        try:
            for n, port in enumerate(ports):
                procs += start_server(args, port, n)
        except BaseException:
            for proc in procs:
                proc.kill()
            raise
    try:
        n_staff = max(1, args.users // 5)
        n_reader = max(1, args.users // 5)
        n_req = args.users - n_staff - n_reader
        people = logins(args.database_url, max(n_req + n_reader, n_staff))
        roles = [("staff", login) for login in people["staff"][:n_staff]]
        roles += [("requester", login) for login in people["requester"][:n_req]]
        roles += [("reader", login) for login in people["requester"][n_req:n_req + n_reader]]
        stats = Stats()
        load_before = os.getloadavg()[0]
        clock = {"ready": threading.Semaphore(0), "go": threading.Event(), "deadline": 0.0}
        threads = [User(role, login, Client(host, ports[i % len(ports)], f"127.0.0.{11 + i}" if host == "127.0.0.1" else "0.0.0.0"),
                        stats, clock, args.run_id, i) for i, (role, login) in enumerate(roles)]
        think = tuple(float(x) for x in args.think.split(","))
        for t in threads:
            t.think = think
        for t in threads:  # everyone logs in first (not counted in the steady-state figures), 0.1 s apart
            t.start()
            time.sleep(0.1)
        for _ in threads:
            clock["ready"].acquire(timeout=120)
        started = time.monotonic()
        clock["deadline"] = started + args.seconds
        clock["go"].set()
        for t in threads:
            t.join(timeout=args.seconds + 60)
        elapsed = time.monotonic() - started
    finally:
        problems = verify(args, stats) if stats is not None else []  # while the followers still run
        for proc in procs:
            proc.send_signal(signal.SIGTERM if proc.args[1] == "-m" and proc.args[2] == "gunicorn" else signal.SIGINT)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    all_times = [t for action, ts in stats.times.items() if action != "login" for t in ts]
    n_errors = sum(stats.errors.values())
    print(f"{len(roles)} users ({n_req} requesters, {n_staff} DX staff, {n_reader} readers), {args.hosts} host(s) × "
          f"{args.workers} gunicorn workers, "
          f"{elapsed:.0f} s; load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after, {os.cpu_count()} CPUs")
    print(f"{'action':<22} {'n':>6} {'p50':>8} {'p95':>8} {'p99':>8} {'errors':>7}")
    for action in sorted(stats.times, key=lambda a: -len(stats.times[a])):
        ts = stats.times[action]
        print(f"{action:<22} {len(ts):>6} {statistics.median(ts) * 1000:>6.0f}ms {pct(ts, 95):>6.0f}ms {pct(ts, 99):>6.0f}ms "
              f"{stats.errors.get(action, 0):>7}")
    for action in set(stats.errors) - set(stats.times):
        print(f"{action:<22} {0:>6} {'':>8} {'':>8} {'':>8} {stats.errors[action]:>7}")
    if all_times:
        print(f"{'all (without login)':<22} {len(all_times):>6} {statistics.median(all_times) * 1000:>6.0f}ms {pct(all_times, 95):>6.0f}ms "
              f"{pct(all_times, 99):>6.0f}ms {n_errors:>7}")
        print(f"throughput {len(all_times) / elapsed:.1f} requests/s; conflicts (409, optimistic locking) {stats.conflicts}")
    for n in range(len(procs) and args.hosts):
        print_server_side(Path(host_dirs(args, n)[1]) / "gunicorn.log")
    for sample in stats.error_samples:
        print("  error:", sample)
    for problem in problems[:20]:
        print("  LOST/DUPLICATE:", problem)
    print(f"result: {n_errors} errors, {len(problems)} database problems")
    sys.exit(1 if n_errors or problems else 0)


if __name__ == "__main__":
    main()
