"""Across workers and hosts: memory:// rate limits refused at start; once-per-cluster jobs."""
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from consult import create_app
from consult.core.config import ConfigError
from consult.ops import cluster
from tests.conftest import make_config

ROOT = Path(__file__).resolve().parents[2]


def _serving(database_url, tmp_path, **overrides):
    config = make_config(database_url, tmp_path, TESTING=False, RATELIMIT_ENABLED=True, **overrides)
    config["SECRET_KEY"] = "a-real-secret-key-for-this-test-0123456789"
    return config


def test_memory_rate_limits_with_several_workers_are_refused(database_url, tmp_path, monkeypatch):
    monkeypatch.setattr("consult.core.config._cli_command", lambda: False)
    monkeypatch.setenv("CONSULT_WORKERS", "4")
    with pytest.raises(ConfigError, match="redis://"):
        create_app(_serving(database_url, tmp_path, RATELIMIT_STORAGE_URI="memory://"))
    monkeypatch.setenv("CONSULT_WORKERS", "1")
    with pytest.raises(ConfigError, match="Redis"):
        create_app(_serving(database_url, tmp_path, RATELIMIT_STORAGE_URI="memory://", CONSULT_HOSTS=2))
    create_app(_serving(database_url, tmp_path, RATELIMIT_STORAGE_URI="memory://"))  # one worker, one host
    monkeypatch.setenv("CONSULT_WORKERS", "4")
    create_app(_serving(database_url, tmp_path, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0"))
    create_app(_serving(database_url, tmp_path, RATELIMIT_STORAGE_URI="memory://", DEBUG=True))


def test_gunicorn_refuses_memory_limits_with_several_workers(tmp_path):
    """The real start: gunicorn exits with the message before forking workers."""
    env = {**os.environ, "CONSULT_WORKERS": "3", "CONSULT_RATELIMIT_STORAGE": "memory://", "CONSULT_BIND": "127.0.0.1:0",
           "CONSULT_SECRET_KEY": "a-real-secret-key-for-this-test-0123456789",
           "CONSULT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "CONSULT_SEARCH_INDEX": str(tmp_path / "ix"),
           "CONSULT_INSTANCE": str(tmp_path)}
    env.pop("CONSULT_DEBUG", None)
    env.pop("FLASK_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "app:app"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "CONSULT_RATELIMIT_STORAGE=redis://" in proc.stderr


def test_once_runs_a_job_in_one_process_only(app):
    """While one holder has the lock, another (a connection of its own, as another host) is told no."""
    got = []
    inside, release = threading.Event(), threading.Event()

    def holder():
        with app.app_context(), cluster.once("test-job") as mine:
            got.append(("first", mine))
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    assert inside.wait(10)
    with cluster.once("test-job") as mine:
        got.append(("second", mine))
    release.set()
    thread.join()
    with cluster.once("test-job") as mine:
        got.append(("after", mine))
    assert got == [("first", True), ("second", False), ("after", True)]


def test_lock_keys_are_stable_bigints():
    assert cluster.lock_key("sweep") == cluster.lock_key("sweep") != cluster.lock_key("reminders")
    assert -(2**63) <= cluster.lock_key("sweep") < 2**63


def test_jobs_run_skips_a_job_running_elsewhere(app, runner):
    result = runner.invoke(args=["jobs", "run"])
    assert result.exit_code == 0, result.output
    assert "search-prune-log: " in result.output and "attachments-sweep: " in result.output
    done, release = threading.Event(), threading.Event()

    def other_host():
        with app.app_context(), cluster.once("job:search-prune-log"):
            done.set()
            release.wait(10)

    thread = threading.Thread(target=other_host)
    thread.start()
    assert done.wait(10)
    try:
        result = runner.invoke(args=["jobs", "run", "--only", "search-prune-log"])
    finally:
        release.set()
        thread.join()
    assert "search-prune-log: 他のホストで実行中のため省略" in result.output
