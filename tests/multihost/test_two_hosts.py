"""Two app hosts (separate gunicorn processes, index, instance and attachment directories) on one
PostgreSQL.  One cluster for the module: the tests run in order and build on each other."""
import os
import re
import subprocess
import sys
import textwrap
import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text

from tests import factories
from tests.faults.helpers import ROOT, Browser, TcpProxy, intake_fields, pdf

from .hosts import Host, found_refs, wait_for

pytestmark = pytest.mark.slow
PG_URL = os.environ.get("CONSULT_TEST_DATABASE_URL")
if not PG_URL:
    pytest.skip("several hosts need PostgreSQL (CONSULT_TEST_DATABASE_URL)", allow_module_level=True)
FOLLOW_LIMIT = 2.0  # seconds: another host shows a change within this


@pytest.fixture(scope="module")
def db(database_url):
    """Direct SQL on the shared database; empties it before and after the module."""
    engine = create_engine(database_url)
    tables = ["search_hosts", "index_outbox", "attachment_blobs", "attachments", "comments", "audit_events",
              "case_revisions", "case_helpful", "suggestion_clicks", "search_logs", "cases", "ticket_drafts",
              "tickets", "ticket_counters", "staff_skills", "users", "categories", "departments", "mail_outbox"]

    def empty():
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))

    empty()
    yield engine
    empty()
    engine.dispose()


@pytest.fixture(scope="module")
def users(db, database_url, tmp_path_factory):
    """A DX staff member and a requester, created once through the app's own factories."""
    from consult import create_app
    from models import db as sa_db
    from tests.conftest import make_config

    app = create_app(make_config(database_url, tmp_path_factory.mktemp("setup")))
    with app.app_context():
        dept = factories.make_department(name="総務課")
        factories.make_user("dx", role="dx_staff", department=dept)
        factories.make_user("req", role="requester", department=dept)
        sa_db.session.remove()
        sa_db.engine.dispose()
    return {"staff": ("dx", factories.PASSWORD), "requester": ("req", factories.PASSWORD)}


@pytest.fixture(scope="module")
def cluster(users, database_url, tmp_path_factory):
    base = tmp_path_factory.mktemp("cluster")
    url = urlsplit(database_url)
    proxy = TcpProxy(url.hostname, url.port or 5432)  # B reaches PostgreSQL through it (cut in the last test)
    proxied = database_url.replace(f"{url.hostname}:{url.port or 5432}", f"127.0.0.1:{proxy.port}")
    hosts = {"a": Host("a", base, database_url), "b": Host("b", base, proxied)}
    hosts["b"].proxy = proxy
    try:
        for host in hosts.values():
            host.launch()
        for host in hosts.values():
            host.ready()
        yield hosts
    finally:
        proxy.restore()
        for host in hosts.values():  # all are told at once; then each is waited for
            host.terminate()
        for host in hosts.values():
            host.stop()
        proxy.stop()


def published(db) -> set[str]:
    with db.connect() as conn:
        return set(conn.execute(text("SELECT ref FROM cases WHERE status = 'published'")).scalars())


def _case_fields(token, title, version=None, action="save"):
    fields = {"csrf_token": token, "title": title, "department_mode": "generic", "department_custom": "",
              "department_id": "", "category_id": "", "resolution_type": "", "hours_saved_per_year": "",
              "problem": "紙の台帳を毎月手で集計している", "cause": "", "solution": "共有のExcelに入力してもらい自動で集計した",
              "effect": "", "tools": "Excel", "tags": "", "action": action}
    if version is not None:
        fields["version"] = str(version)
    return fields


def _version(html) -> str:
    return re.search(r'name="version"[^>]*value="(\d+)"', html).group(1)


def test_publish_edit_archive_on_a_visible_on_b_within_2_s(cluster, users):
    """What a user of B sees: B's search page lists the publish, the edit and no longer the archived case within
    2 s of A's answer (B's follower, woken by NOTIFY, writes B's index; B's workers read it on the next search)."""
    publish_edit_archive(cluster, cluster["a"].browser(*users["staff"]), cluster["b"].browser(*users["staff"]))


def publish_edit_archive(cluster, a, b) -> None:
    """Publish, edit and archive a case through A's pages; each shows on B's search page within 2 s."""
    status, headers, _ = a.post("/cases/new", _case_fields(a.csrf("/cases/new"), "鳥獣被害の報告を集計"))
    assert status == 302, status
    ref = headers["Location"].rstrip("/").split("/")[-2]
    _, _, html = a.get(f"/cases/{ref}/edit")
    token, version = a.csrf(f"/cases/{ref}/edit"), _version(html)
    assert a.post(f"/cases/{ref}/publish", {"csrf_token": token, "version": version})[0] == 302
    assert ref in found_refs(a, "鳥獣被害")  # the request's own host: at once
    _, waited = wait_for(lambda: ref in found_refs(b, "鳥獣被害"), FOLLOW_LIMIT)
    print(f"publish A→B {waited:.2f} s")

    _, _, html = a.get(f"/cases/{ref}/edit")
    fields = _case_fields(a.csrf(f"/cases/{ref}/edit"), "文化財点検の記録を集計", _version(html))
    assert a.post(f"/cases/{ref}/edit", fields)[0] == 302
    _, waited = wait_for(lambda: ref in found_refs(b, "文化財") and ref not in found_refs(b, "鳥獣被害"), FOLLOW_LIMIT)
    print(f"edit A→B {waited:.2f} s")

    _, _, html = a.get(f"/cases/{ref}")
    token = a.csrf(f"/cases/{ref}")
    assert a.post(f"/cases/{ref}/archive", {"csrf_token": token, "version": _version(html)})[0] == 302
    _, waited = wait_for(lambda: ref not in found_refs(b, "文化財"), FOLLOW_LIMIT)
    assert ref not in cluster["b"].index_refs()
    print(f"archive A→B {waited:.2f} s")


PUBLISHER = textwrap.dedent(
    """
    import os, sys
    from consult import create_app
    from consult.cases import service
    from models import User, db
    from sqlalchemy import select

    prefix, n, kill_after_commit = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "kill"
    app = create_app()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.login == "dx"))
        if kill_after_commit:  # the worker dies after the commit, before indexing
            from consult.search import sync
            sync.drain = lambda *a, **k: os._exit(9)
        for i in range(n):
            case = service.create({"title": f"並行公開の事例 {prefix} {i}", "problem": "紙の集計",
                                   "solution": "Excelで自動集計"}, user)
            service.publish(case, user)
            if i % 3 == 0:
                service.update(case, {"title": f"並行公開の事例 {prefix} {i} 改", "problem": "紙の集計",
                                      "solution": "Excelで自動集計"}, user)
        db.session.remove()
        db.engine.dispose()
    """
)


def _publishers(host, prefix, per_proc, procs=2, kill=False):
    return [subprocess.Popen([sys.executable, "-c", PUBLISHER, f"{prefix}{p}", str(per_proc), "kill" if kill else "-"],
                             cwd=ROOT, env={**os.environ, **host.env(), "PYTHONPATH": str(ROOT)},
                             stderr=subprocess.PIPE) for p in range(procs)]


def _finish(proc, timeout) -> tuple[int, str]:
    """Wait for a publisher; (exit status, end of its stderr), the pipe closed."""
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err.decode(errors="replace")[-2000:]


def _all_equal(cluster, db):
    want = published(db)
    return all(host.index_refs() == want for host in cluster.values() if host.server) and want


def test_200_concurrent_publishes_from_both_hosts(cluster, db):
    """Workers of both hosts publish at once (2 processes per host × 50); both indexes end equal to the DB."""
    before = len(published(db))
    start = time.monotonic()
    procs = _publishers(cluster["a"], "A", 50) + _publishers(cluster["b"], "B", 50)
    for proc in procs:
        code, err = _finish(proc, 600)
        assert code == 0, err
    took = time.monotonic() - start
    want, waited = wait_for(lambda: _all_equal(cluster, db), 15, every=0.2)
    assert len(want) == before + 200
    print(f"200 publishes in {took:.1f} s; both indexes equal {waited:.2f} s after the last")


def test_worker_killed_after_commit_before_indexing(cluster, db):
    proc = _publishers(cluster["a"], "K", 1, procs=1, kill=True)[0]
    assert _finish(proc, 300)[0] == 9
    with db.connect() as conn:
        ref = conn.execute(text("SELECT ref FROM cases WHERE title LIKE '並行公開の事例 K0 0%'")).scalar_one()
    _, waited = wait_for(lambda: all(ref in h.index_refs() for h in cluster.values()), FOLLOW_LIMIT + 1)
    print(f"killed worker's publish on both hosts after {waited:.2f} s")


def test_new_host_catches_up(cluster, db, tmp_path_factory):
    """A new host's follower (its web server is not needed for this) builds its index from the database."""
    c = Host("c", tmp_path_factory.mktemp("newhost"), cluster["a"].database_url, web=False)
    try:
        c.start()
        want = published(db)
        assert len(want) >= 100
        _, waited = wait_for(lambda: c.index.is_dir() and c.index_refs() == published(db), 60, every=0.2)
        status = c.flask("search", "status")
        assert status.returncode == 0 and '"pending": 0' in status.stdout, status.stdout + status.stderr
        print(f"new host caught up {waited:.2f} s after its follower started ({len(want)} cases)")
    finally:
        c.stop()


def test_host_down_for_a_while_rebuilds_itself(cluster, db):
    """B is stopped; A publishes and prunes the log (B is no longer live); B comes back and rebuilds."""
    b = cluster["b"]
    b.stop()
    stopped = time.monotonic()
    try:
        for proc in _publishers(cluster["a"], "D", 5, procs=1):
            assert _finish(proc, 300)[0] == 0
        time.sleep(max(0.0, stopped + 4.5 - time.monotonic()))  # CONSULT_SEARCH_HOST_TTL=4: B no longer live
        result = cluster["a"].flask("search", "prune")
        assert result.returncode == 0, result.stderr
        assert int(result.stdout.split("行")[0]) > 0
        assert b.index_refs() != published(db)  # B missed them
    finally:
        b.start()
    _, waited = wait_for(lambda: b.index_refs() == published(db), 30, every=0.2)
    assert "older than the retained log" in (b.dir / "follow.log").read_text() + (b.dir / "gunicorn.log").read_text()
    print(f"host back after pruning: rebuilt and equal {waited:.2f} s after it was ready")


def test_reindex_under_concurrent_edits_loses_nothing(cluster, db):
    procs = _publishers(cluster["a"], "R", 15, procs=1) + _publishers(cluster["b"], "S", 15, procs=1)
    time.sleep(0.5)
    result = cluster["a"].flask("search", "reindex")
    assert result.returncode == 0, result.stderr
    for proc in procs:
        assert _finish(proc, 600)[0] == 0
    wait_for(lambda: _all_equal(cluster, db), 15, every=0.2)


def test_attachment_uploaded_on_a_downloads_on_b(cluster, users):
    a = cluster["a"].browser(*users["requester"])
    content = pdf(50_000)
    fields = intake_fields(a.csrf("/tickets/new"), "添付ファイルをホストBで開く")
    status, headers, _ = a.post("/tickets/new", fields, files={"attachments": ("業務フロー.pdf", content, "application/pdf")})
    assert status == 302, status
    b = cluster["b"].browser(*users["requester"])
    _, _, html = b.get(urlsplit(headers["Location"]).path)
    link = re.search(r'href="(/tickets/[^"]+/attachments/\d+)"', html).group(1)
    status, _, _ = b.get(link)
    assert status == 200
    req = b.opener.open(b.base + link)
    assert req.read() == content


def test_database_connection_cut_through_a_proxy(cluster, db):
    """B reaches PostgreSQL through a TCP proxy: cut, it answers 503 on /healthz; back, it catches up."""
    b = cluster["b"]
    wait_for(lambda: b.index_refs() == published(db), 15, every=0.2)
    b.proxy.cut()
    try:
        status, _, body = Browser(b.url).get("/healthz", timeout=60)
        assert status == 503, body
        for proc in _publishers(cluster["a"], "P", 3, procs=1):
            assert _finish(proc, 300)[0] == 0
        assert b.index_refs() != published(db)
    finally:
        b.proxy.restore()
    _, waited = wait_for(lambda: b.index_refs() == published(db), 15, every=0.2)
    print(f"after the cut: B caught up {waited:.2f} s after the connection came back")
    wait_for(lambda: Browser(b.url).get("/healthz")[0] == 200, 15, every=0.3)
