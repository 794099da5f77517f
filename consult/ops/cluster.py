"""Jobs that must run once per cluster (several workers on several hosts).

    from consult.ops import cluster

    with cluster.once("sweep-attachments") as mine:
        if not mine:
            return          # another worker or host is running it right now
        ...

On PostgreSQL, ``once()`` takes a session-level advisory lock (``pg_try_advisory_lock``) on a
connection of its own, so the work itself may commit as often as it likes; the lock goes when
the block ends or when that connection dies (a killed process never leaves it behind).  On
SQLite (one host by definition) a file lock in the instance directory serialises the processes.
``wait=True`` waits for the lock instead of skipping.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time

from flask import current_app
from sqlalchemy import text

from models import db, dialects

MEMORY_LIMITS_MESSAGE = (
    "ログイン回数の制限（レート制限）の記録先が memory:// のまま、複数のワーカー（{workers}）またはホストで起動しようとしています。"
    "記録がプロセスごとに分かれ、制限が実質 ワーカー数×ホスト数 倍に緩みます。"
    "CONSULT_RATELIMIT_STORAGE=redis://ホスト:6379/0 を設定してください（Redis が必要です。docs/deploy.md）。")


def check_rate_limit_storage(config, workers: int | None = None) -> None:
    """Refuse several workers or hosts sharing nothing but per-process (memory://) rate limits.

    ``workers`` is gunicorn's worker count when known; else CONSULT_WORKERS.  CONSULT_HOSTS > 1
    (set on every host of a cluster, see docs/deploy.md) counts as several too.  Debug and
    testing are exempt."""
    from consult.core.config import ConfigError

    if config.get("DEBUG") or config.get("TESTING") or config.get("RATELIMIT_ENABLED") is False:
        return
    if not str(config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory://"):
        return
    if workers is None:
        try:
            workers = int(os.environ.get("CONSULT_WORKERS") or 1)
        except ValueError:
            workers = 1
    try:
        hosts = int(config.get("CONSULT_HOSTS") or os.environ.get("CONSULT_HOSTS") or 1)
    except ValueError:
        hosts = 1
    if workers > 1 or hosts > 1:
        raise ConfigError(MEMORY_LIMITS_MESSAGE.format(workers=f"{workers} ワーカー × {hosts} ホスト"))


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (advisory locks take a bigint)."""
    return int.from_bytes(hashlib.sha256(f"consult:{name}".encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def once(name: str, wait: bool = False, timeout: float = 600.0):
    """Yield True when this process holds the cluster-wide lock ``name``, False when another has it."""
    if dialects.is_postgresql(db.engine):
        conn = db.engine.connect()
        try:
            key = lock_key(name)
            if wait:
                conn.execute(text("SET lock_timeout = :ms").bindparams(ms=f"{int(timeout * 1000)}"))
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                got = True
            else:
                got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    with contextlib.suppress(Exception):
                        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                        conn.commit()
        finally:
            conn.close()
        return
    folder = current_app.config.get("CONSULT_INSTANCE") or "."
    os.makedirs(folder, exist_ok=True)
    fd = os.open(os.path.join(folder, f".job-{lock_key(name) & 0xFFFFFFFF:08x}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + (timeout if wait else 0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                got = True
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    got = False
                    break
                time.sleep(0.05)
        yield got
    finally:
        os.close(fd)
