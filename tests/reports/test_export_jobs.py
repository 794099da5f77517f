"""Large exports as background jobs (audit finding 5): the threshold, the progress page, the worker, the download
(owner only), expiry, failures, a crashed worker's job, and two workers claiming at once."""
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select, update

from consult.reports import exportjobs
from models import AuditEvent, ExportJob, ExportJobPart, db, utcnow
from tests import factories

from . import dataset

ROOT = Path(__file__).resolve().parents[2]
MAX = 3  # CONSULT_EXPORT_INLINE_MAX_ROWS in these tests: the fixed dataset (8 tickets) is "large"


@pytest.fixture
def data(app, users):
    """The fixed dataset (7 tickets over several departments, plus one here: 8 > 3), an internal note, formula-like text."""
    app.config["CONSULT_EXPORT_INLINE_MAX_ROWS"] = MAX
    built = dataset.build(users)
    factories.make_comment(built["tickets"]["T1"], users["dx_staff"], body="内部メモ：課長に確認済み", internal=True)
    factories.make_ticket(users["requester"], title="=HYPERLINK(\"http://evil\")", problem="@SUM(A1)")
    return built


def _job_id(response) -> int:
    body = response.get_data()  # a streamed body must be read inside the test
    assert response.status_code == 303, (response.status_code, body[:200])
    match = re.fullmatch(r".*/reports/exports/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _work(runner) -> str:
    result = runner.invoke(args=["exports", "work", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def _xlsx_rows(raw: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(raw), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def _actions(action) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_small_exports_stay_inline(client, auth, app, data):
    """At or below the threshold the file comes in the response, as before; no job is made."""
    app.config["CONSULT_EXPORT_INLINE_MAX_ROWS"] = 100
    auth.login("dx")
    for url in ("/reports/export/tickets.xlsx?f=1", "/reports/export/tickets.csv?f=1", "/reports/export/cases.csv"):
        response = client.get(url)
        assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
        assert response.get_data()  # read the streamed body within the test
    assert db.session.scalar(select(func.count(ExportJob.id))) == 0


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_over_the_threshold_a_job_is_queued(client, auth, data, fmt):
    """5 tickets of these states > 3: a 303 to the progress page, a queued job with the filters, an audit event; a reload of the
    export link while it waits reuses the job."""
    auth.login("dx")
    url = f"/reports/export/tickets.{fmt}?f=1&status=closed&status=resolved&status=new&include_internal=y"
    job_id = _job_id(client.get(url))
    job = db.session.get(ExportJob, job_id)
    assert (job.status, job.kind, job.format, job.requested_by.login) == ("queued", "ticket", fmt, "dx")
    assert job.params["args"]["status"] == ["closed", "resolved", "new"] and job.params["include_internal"] is True
    assert job.filename.startswith("tickets-") and job.filename.endswith(f".{fmt}")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.requested")).one()
    assert event.object_id == job_id and event.actor_id == job.requested_by_id and event.after["format"] == fmt
    assert _job_id(client.get(url)) == job_id  # the same request again: the same job
    assert _actions("export.requested") == 1


def test_the_threshold_counts_the_filtered_rows(client, auth, data):
    """Filters that leave ≤ 3 rows export inline even though the table is bigger."""
    auth.login("dx")
    response = client.get("/reports/export/tickets.csv?status=withdrawn")
    assert response.status_code == 200 and response.get_data()
    assert db.session.scalar(select(func.count(ExportJob.id))) == 0


def test_progress_page_while_queued_and_running(client, auth, data):
    """Japanese states, the count so far out of the total, a live region, a link that works without JavaScript."""
    auth.login("dx")
    job_id = _job_id(client.get("/reports/export/tickets.xlsx?f=1"))
    page = client.get(f"/reports/exports/{job_id}").get_data(as_text=True)
    assert "出力の順番を待っています" in page
    assert 'role="status"' in page and 'aria-live="polite"' in page
    assert f'href="/reports/exports/{job_id}">最新の状態を表示する' in page
    assert "/static/js/exports.js" in page and "http-equiv" not in page  # no meta refresh (WCAG 2.2.1)

    worker = exportjobs.worker_name()
    job = exportjobs.claim_next(worker)
    assert job.id == job_id
    exportjobs._beat(job_id, worker, total=100_000, progress=12_000)
    page = client.get(f"/reports/exports/{job_id}").get_data(as_text=True)
    assert "出力を準備しています… 12,000 / 100,000 件" in page
    assert '<progress class="export-progress" max="100000" value="12000"' in page
    status = client.get(f"/reports/exports/{job_id}/status").get_json()
    assert (status["status"], status["progress"], status["total"]) == ("running", 12_000, 100_000)
    assert "12,000 / 100,000 件" in status["panel"]
    assert client.get(f"/reports/exports/{job_id}/download").status_code == 303  # not ready: back to the page


def test_queued_for_long_says_ask_the_administrator(client, auth, data):
    auth.login("dx")
    job_id = _job_id(client.get("/reports/export/tickets.xlsx?f=1"))
    db.session.execute(update(ExportJob).values(created_at=utcnow() - timedelta(minutes=11)))
    db.session.commit()
    assert "管理者に連絡してください" in client.get(f"/reports/exports/{job_id}").get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_worker_writes_what_the_inline_export_would(client, auth, app, runner, data, fmt):
    """`exports work` finishes the job; the owner downloads exactly the rows the inline export gives (audited)."""
    auth.login("dx")
    url = f"/reports/export/tickets.{fmt}?f=1&include_internal=y"
    job_id = _job_id(client.get(url))
    assert "done: 1件" in _work(runner)
    job = db.session.get(ExportJob, job_id)
    db.session.refresh(job)
    assert (job.status, job.progress, job.total, job.attempts) == ("done", 8, 8, 1)
    assert job.expires_at - job.finished_at == timedelta(days=7)
    page = client.get(f"/reports/exports/{job_id}").get_data(as_text=True)
    assert "出力ができました（8件）" in page and f"{job.filename} をダウンロード" in page
    response = client.get(f"/reports/exports/{job_id}/download")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{job.filename}"'
    assert int(response.headers["Content-Length"]) == job.size == len(response.get_data())
    assert "no-store" in response.headers["Cache-Control"]
    from_job = response.get_data()
    app.config["CONSULT_EXPORT_INLINE_MAX_ROWS"] = 100
    inline = client.get(url).get_data()
    if fmt == "csv":
        assert from_job == inline
        assert "内部メモ：課長に確認済み" in from_job.decode("utf-8-sig") and "'=HYPERLINK" in from_job.decode("utf-8-sig")
    else:
        rows = _xlsx_rows(from_job)
        assert rows == _xlsx_rows(inline) and len(rows) == 1 + 8
    assert _actions("export.downloaded") == 1 and _actions("export.completed") == 1


def test_case_export_as_a_job(client, auth, runner, data):
    """Cases go the same way (the dataset has more than 3)."""
    auth.login("dx")
    for n in range(4):
        factories.make_case(title=f"事例{n}")
    job_id = _job_id(client.get("/reports/export/cases.xlsx"))
    _work(runner)
    rows = _xlsx_rows(client.get(f"/reports/exports/{job_id}/download").get_data())
    assert rows[0][0] == "事例番号" and {"事例0", "事例3"} <= {r[1] for r in rows[1:]}


def test_big_file_is_stored_and_served_in_parts(client, auth, runner, data, monkeypatch):
    """A file larger than one part comes back byte for byte."""
    monkeypatch.setattr(exportjobs, "PART_BYTES", 1000)
    auth.login("dx")
    job_id = _job_id(client.get("/reports/export/tickets.csv?f=1"))
    _work(runner)
    parts = db.session.scalar(select(func.count()).where(ExportJobPart.job_id == job_id))
    body = client.get(f"/reports/exports/{job_id}/download").get_data()
    assert parts == -(-len(body) // 1000) and parts > 2
    assert body.startswith(b"\xef\xbb\xbf\xe7\x95\xaa\xe5\x8f\xb7")  # BOM + 番号


def test_only_the_owner_sees_or_downloads(client, auth, runner, data, users):
    """Other DX staff and admins get 404 for the page, the status and the file; requesters 403 (staff pages)."""
    auth.login("dx")
    job_id = _job_id(client.get("/reports/export/tickets.xlsx?f=1"))
    _work(runner)
    urls = [f"/reports/exports/{job_id}", f"/reports/exports/{job_id}/status", f"/reports/exports/{job_id}/download"]
    assert client.get(urls[2]).status_code == 200
    for login, code in (("dx2", 404), ("admin", 404), ("req", 403)):
        auth.logout()
        auth.login(login)
        for url in urls:
            assert client.get(url).status_code == code, (login, url)
        if code == 404:  # their own list does not show it
            page = client.get("/reports/exports/").get_data(as_text=True)
            assert f"/reports/exports/{job_id}" not in page and "書き出しの依頼はまだありません" in page
    assert _actions("export.downloaded") == 1


def test_list_of_own_exports(client, auth, runner, data):
    auth.login("dx")
    job_id = _job_id(client.get("/reports/export/tickets.xlsx?f=1"))
    _job_id(client.get("/reports/export/tickets.csv?f=1"))
    page = client.get("/reports/exports/").get_data(as_text=True)
    assert page.count("順番待ち") == 2
    _work(runner)
    page = client.get("/reports/exports/").get_data(as_text=True)
    assert page.count("完了") == 2 and f'href="/reports/exports/{job_id}/download"' in page


def test_files_expire_after_the_keeping_days(client, auth, runner, data):
    """Past expires_at the download is a Japanese 410; `jobs run` removes the file and keeps the job row."""
    auth.login("dx")
    job_id = _job_id(client.get("/reports/export/tickets.xlsx?f=1"))
    _work(runner)
    result = runner.invoke(args=["jobs", "run", "--only", "reports.export_expire"])
    assert "削除 0件" in result.output  # not yet
    db.session.execute(update(ExportJob).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    response = client.get(f"/reports/exports/{job_id}/download")
    assert response.status_code == 410 and "保存期間を過ぎた" in response.get_data(as_text=True)
    result = runner.invoke(args=["jobs", "run", "--only", "reports.export_expire"])
    assert result.exit_code == 0 and "削除 1件" in result.output
    assert db.session.get(ExportJob, job_id).status == "expired"
    assert db.session.scalar(select(func.count()).where(ExportJobPart.job_id == job_id)) == 0
    assert client.get(f"/reports/exports/{job_id}/download").status_code == 410
    assert "保存期間を過ぎたため削除しました" in client.get(f"/reports/exports/{job_id}").get_data(as_text=True)
    assert _actions("export.expired") == 1


def test_jobs_run_picks_up_queued_exports(client, auth, runner, data):
    """Without the `exports work` service, the `jobs run` timer does the work."""
    auth.login("dx")
    job_id = _job_id(client.get("/reports/export/tickets.csv?f=1"))
    result = runner.invoke(args=["jobs", "run", "--only", "reports.export_work"])
    assert result.exit_code == 0 and "完了 1件" in result.output
    assert db.session.get(ExportJob, job_id).status == "done"


def test_a_failing_export_says_so_in_japanese(client, auth, runner, data, monkeypatch):
    """The writer fails (disk full in the temporary directory): the job fails, the page says what to do, and
    the log has the details; nothing is stored."""
    from consult.reports import xlsx

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xlsx, "write", disk_full)
    auth.login("dx")
    job_id = _job_id(client.get("/reports/export/tickets.xlsx?f=1"))
    assert "failed: 1件" in _work(runner)
    job = db.session.get(ExportJob, job_id)
    assert job.status == "failed" and job.error == exportjobs.FAILED_MESSAGE
    page = client.get(f"/reports/exports/{job_id}").get_data(as_text=True)
    assert "書き出しに失敗しました" in page and "もう一度書き出してください" in page
    assert db.session.scalar(select(func.count()).where(ExportJobPart.job_id == job_id)) == 0
    assert client.get(f"/reports/exports/{job_id}/download").status_code == 303
    assert _actions("export.failed") == 1


def test_a_crashed_workers_job_is_retried_then_failed(client, auth, data):
    """A stale heartbeat: another worker takes the job over (the old one cannot store anything any more); after
    MAX_ATTEMPTS stale claims the job fails with a Japanese message."""
    auth.login("dx")
    job_id = _job_id(client.get("/reports/export/tickets.csv?f=1"))
    dead = exportjobs.worker_name()
    assert exportjobs.claim_next(dead).id == job_id
    assert exportjobs.claim_next("another") is None  # fresh heartbeat: not claimable
    stale = utcnow() - timedelta(seconds=121)
    db.session.execute(update(ExportJob).values(heartbeat_at=stale))
    db.session.commit()
    assert exportjobs.work("second") == {"done": 1, "failed": 0, "lost": 0}
    job = db.session.get(ExportJob, job_id)
    db.session.refresh(job)
    assert (job.status, job.attempts, job.claim) == ("done", 2, "second")
    with pytest.raises(exportjobs.ClaimLost):
        exportjobs._beat(job_id, dead, progress=1)

    job_id = _job_id(client.get("/reports/export/tickets.xlsx?f=1"))
    db.session.execute(update(ExportJob).where(ExportJob.id == job_id)
                       .values(status="running", attempts=exportjobs.MAX_ATTEMPTS, heartbeat_at=stale, claim=dead))
    db.session.commit()
    assert exportjobs.work("third")["failed"] == 1
    job = db.session.get(ExportJob, job_id)
    db.session.refresh(job)
    assert job.status == "failed" and "途中で止まった" in job.error and "2回" in job.error
    assert "書き出しに失敗しました" in client.get(f"/reports/exports/{job_id}").get_data(as_text=True)


def test_two_workers_claiming_at_once_get_each_job_once(app, data, users):
    """Two threads (two connections, as two worker processes) claim from the same queue at the same moment,
    again and again: every job is claimed exactly once."""
    params = exportjobs.make_params({"f": ["1"]})
    for _ in range(12):
        db.session.add(ExportJob(requested_by_id=users["dx_staff"].id, kind="ticket", format="csv", params=params,
                                 filename="x.csv", status="queued"))
    db.session.commit()
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    barrier = threading.Barrier(2, timeout=30)
    errors = []

    def claimer(name):
        try:
            with app.app_context():
                lockstep = True
                while True:
                    if lockstep:
                        try:
                            barrier.wait()
                        except threading.BrokenBarrierError:  # the other one found the queue empty
                            lockstep = False
                    job = exportjobs.claim_next(name)
                    if job is None:
                        barrier.abort()
                        break
                    claimed[name].append(job.id)
                db.session.remove()
        except Exception as exc:  # reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=claimer, args=(n,)) for n in claimed]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    every = claimed["a"] + claimed["b"]
    assert sorted(every) == sorted(set(every)) and len(every) == 12
    assert claimed["a"] and claimed["b"]  # both really took part
    claims = dict(db.session.execute(select(ExportJob.id, ExportJob.claim)).all())
    assert all(claims[i] == "a" for i in claimed["a"]) and all(claims[i] == "b" for i in claimed["b"])


def _worker_env(app) -> dict:
    """The environment of a real `flask exports work` process on the test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONSULT_", "FLASK_"))}
    env.update({
        "CONSULT_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CONSULT_SEARCH_INDEX": app.config["CONSULT_SEARCH_INDEX"],
        "CONSULT_INSTANCE": app.config["CONSULT_INSTANCE"],
        "CONSULT_ATTACHMENTS": app.config["CONSULT_ATTACHMENTS"],
        "CONSULT_SECRET_KEY": "a-real-secret-key-for-this-test-0123456789",
        "CONSULT_EXPORT_STALE_SECONDS": "2",
    })
    return env


def _flask(env, *args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


@pytest.mark.slow
def test_two_worker_processes_share_the_queue(app, data, users):
    """Two real `exports work --once` processes on one queue: every job is written once, by one of them."""
    params = exportjobs.make_params({"f": ["1"]})
    for n in range(8):
        db.session.add(ExportJob(requested_by_id=users["dx_staff"].id, kind="ticket", format=("csv", "xlsx")[n % 2],
                                 params=params, filename="x", status="queued"))
    db.session.commit()
    env = _worker_env(app)
    procs = [_flask(env, "exports", "work", "--once") for _ in range(2)]
    outputs = [p.communicate(timeout=180)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    db.session.expire_all()
    jobs = db.session.scalars(select(ExportJob)).all()
    assert {(j.status, j.attempts, j.progress) for j in jobs} == {("done", 1, 8)}
    assert _actions("export.completed") == 8
    assert sum(int(m) for out in outputs for m in re.findall(r"done: (\d+)件", out)) == 8


@pytest.mark.slow
def test_a_killed_worker_process_is_replaced(app, data, users):
    """SIGKILL a real worker in the middle of a job (its heartbeat stops); a second worker finishes the job."""
    params = exportjobs.make_params({"f": ["1"]})
    job = ExportJob(requested_by_id=users["dx_staff"].id, kind="ticket", format="csv", params=params,
                    filename="x.csv", status="queued")
    db.session.add(job)
    db.session.commit()
    env = _worker_env(app)
    env["PYTHONPATH"] = str(ROOT)
    # the first worker stops dead after its first page of rows: a real process, killed for real
    first = subprocess.Popen([sys.executable, "-c", KILLED_WORKER], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    out = first.communicate(timeout=120)[0]
    assert first.returncode == -signal.SIGKILL, out
    db.session.expire_all()
    job = db.session.get(ExportJob, job.id)
    assert (job.status, job.attempts) == ("running", 1) and 0 < job.progress < 8
    time.sleep(2.5)  # CONSULT_EXPORT_STALE_SECONDS=2 in these processes
    second = _flask(env, "exports", "work", "--once")
    out = second.communicate(timeout=120)[0]
    assert second.returncode == 0 and "done: 1件" in out, out
    db.session.expire_all()
    job = db.session.get(ExportJob, job.id)
    assert (job.status, job.attempts, job.progress) == ("done", 2, 8)


KILLED_WORKER = """
import os, signal
from consult import create_app
from consult.reports import exportjobs
exportjobs.PAGE_ROWS = 1
real_beat = exportjobs._beat
def beat_then_die(job_id, worker, **values):
    real_beat(job_id, worker, **values)
    if values.get("progress"):
        os.kill(os.getpid(), signal.SIGKILL)
exportjobs._beat = beat_then_die
app = create_app()
with app.app_context():
    exportjobs.work()
"""


def test_polling_the_progress_does_not_keep_the_session_alive(client, auth, data):
    """The page's script asks every 2 s: that must not count as activity for the 30-minute idle logout."""
    auth.login("dx")
    job_id = _job_id(client.get("/reports/export/tickets.xlsx?f=1"))
    idle_since = time.time() - 29 * 60
    with client.session_transaction() as sess:
        sess["_seen_at"] = idle_since
    assert client.get(f"/reports/exports/{job_id}/status").status_code == 200
    with client.session_transaction() as sess:
        assert sess["_seen_at"] == idle_since
    assert client.get(f"/reports/exports/{job_id}").status_code == 200  # the page itself is activity
    with client.session_transaction() as sess:
        assert sess["_seen_at"] > idle_since
