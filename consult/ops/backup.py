"""Backups: the database (SQLite online backup API, or pg_dump) plus attachments and a manifest.

A backup is a directory: `database.sqlite3` or `database.dump`, `attachments/`, `manifest.json`.
Restore goes into an empty instance of the same kind and is followed by an index rebuild.
pg_dump/pg_restore are run with argument lists, never through a shell.
"""
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404
from pathlib import Path

from flask import current_app
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url

from consult.errors import DomainError
from models import db, utcnow


class BackupError(DomainError):
    """A backup or restore could not be done; the message says why."""


def _url():
    """The configured database URL."""
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _libpq(url) -> str:
    """A libpq connection string for pg_dump/pg_restore."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


HOST_STATE = {"search_hosts"}  # each host's heartbeat: rewritten by the hosts themselves, not compared


def table_counts() -> dict[str, int]:
    """Rows per table of the models (the hosts' heartbeat table left out)."""
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables
            if t.name not in HOST_STATE}


def create_backup(target: str) -> dict:
    """Write a backup into the directory `target` (created; must be empty); return the manifest."""
    out = Path(target)
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{target} は空ではありません。新しいフォルダを指定してください")
    out.mkdir(parents=True, exist_ok=True)
    url = _url()
    db.session.commit()
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        dest = sqlite3.connect(out / "database.sqlite3")
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()
        kind, name = "sqlite", "database.sqlite3"
    elif url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(out / "database.dump"), _libpq(url)])
        kind, name = "postgresql", "database.dump"
    else:
        raise BackupError(f"{url.get_backend_name()} のバックアップには対応していません")
    attachments = Path(current_app.config["CONSULT_ATTACHMENTS"])
    if attachments.is_dir():
        shutil.copytree(attachments, out / "attachments")
    else:
        (out / "attachments").mkdir()
    from consult.tickets.store import kind as store_kind

    # Attachments: in the database dump (database store) and/or the directory (filesystem store).
    manifest = {"created_at": utcnow().isoformat(), "kind": kind, "database": name, "tables": table_counts(),
                "attachment_store": store_kind()}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def _run(args: list[str]) -> None:
    """Run a PostgreSQL client tool; a failure becomes a BackupError with its message."""
    try:
        subprocess.run(args, check=True, capture_output=True, text=True, timeout=3600)  # noqa: S603  # nosec B603
    except FileNotFoundError as exc:
        raise BackupError(f"{args[0]} が見つかりません（PostgreSQL クライアントをインストールしてください）") from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{args[0]} が失敗しました: {exc.stderr.strip().splitlines()[-1] if exc.stderr.strip() else exc.returncode}") from exc


def _is_empty() -> bool:
    """Whether the configured database has no rows in any model table."""
    names = set(inspect(db.engine).get_table_names())
    return all(t.name not in names or not db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables)


def restore_backup(source: str, force: bool = False) -> dict:
    """Restore a backup directory into the configured instance, then rebuild the index."""
    src = Path(source)
    manifest_path = src / "manifest.json"
    if not manifest_path.is_file():
        raise BackupError(f"{source} にバックアップ（manifest.json）が見つかりません")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    url = _url()
    if manifest["kind"] != url.get_backend_name():
        raise BackupError(f"{manifest['kind']} のバックアップは {url.get_backend_name()} には戻せません")
    if not force and not _is_empty():
        raise BackupError("復元先のデータベースが空ではありません（上書きするには --force を指定してください）")
    db.session.remove()
    db.engine.dispose()
    if manifest["kind"] == "sqlite":
        target = Path(url.database)
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        src_conn = sqlite3.connect(src / manifest["database"])
        dest_conn = sqlite3.connect(target)
        try:
            src_conn.backup(dest_conn)
        finally:
            dest_conn.close()
            src_conn.close()
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname", _libpq(url),
              str(src / manifest["database"])])
    attachments = Path(current_app.config["CONSULT_ATTACHMENTS"])
    if (src / "attachments").is_dir():
        attachments.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src / "attachments", attachments, dirs_exist_ok=True)
    from consult.search import sync

    sync.reindex()
    counts = table_counts()
    if counts != manifest["tables"]:
        raise BackupError(f"復元後の件数がバックアップと一致しません: {counts} != {manifest['tables']}")
    from consult.records import reapply

    manifest["reapplied_disposals"] = reapply.reapply()  # disposals made after the backup stay disposed
    return manifest


def ensure_parent(path: str) -> None:
    """Create the parent directory of a path."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
