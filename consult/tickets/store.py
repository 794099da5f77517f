"""Where attachment contents live: a store shared by every app host.

    from consult.tickets.store import get_store
    store = get_store()
    name = store.save(upload)        # in the caller's transaction (database) or a new file
    data = store.open(name)          # bytes; raises FileNotFoundError when it is not there
    store.exists(name) -> bool
    store.delete(name)               # in the caller's transaction (database) or unlink
    store.discard(names)             # undo saves of a transaction that did not commit

`CONSULT_ATTACHMENT_STORE`: ``database`` (the default on PostgreSQL: the bytes are rows of
``attachment_blobs``, written in the ticket's transaction — no orphans, backed up and replicated
with the database) or ``filesystem`` (the default on SQLite, or a NAS directory mounted on
every host).  A filesystem store carries a marker file; a host pointed at a directory without it
(an empty or unmounted NAS path) refuses to serve attachments (503) instead of answering 404s.
"""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, select

from consult.errors import DomainError, NotFound
from models import Attachment, AttachmentBlob, db, dialects

from . import attachments as files

MARKER = ".consult-attachment-store"
UNAVAILABLE_MESSAGE = ("添付ファイルの保存場所が利用できません（共有フォルダがマウントされていない可能性があります）。"
                       "時間をおいてもう一度お試しいただくか、DX推進担当にお知らせください。")


class StoreUnavailable(DomainError):
    """The attachment store cannot be used on this host (missing marker: wrong or unmounted dir)."""

    status = 503


def kind() -> str:
    """``database`` or ``filesystem`` (configured, else by database engine)."""
    configured = (current_app.config.get("CONSULT_ATTACHMENT_STORE") or "").strip().lower()
    if configured in ("database", "filesystem"):
        return configured
    return "database" if dialects.is_postgresql(db.engine) else "filesystem"


class DatabaseStore:
    """Attachment bytes in ``attachment_blobs``; files of an older filesystem store still open."""

    kind = "database"

    def save(self, upload) -> str:
        import secrets

        name = secrets.token_hex(32)
        db.session.add(AttachmentBlob(stored_name=name, data=upload.data))
        return name

    def open(self, stored_name: str) -> bytes:
        data = db.session.scalar(select(AttachmentBlob.data).where(AttachmentBlob.stored_name == stored_name))
        if data is not None:
            return bytes(data)
        path = files.stored_path(stored_name)  # written before the switch to the database store
        if path.is_file():
            return path.read_bytes()
        raise FileNotFoundError(stored_name)

    def exists(self, stored_name: str) -> bool:
        found = db.session.scalar(select(AttachmentBlob.stored_name).where(AttachmentBlob.stored_name == stored_name))
        return found is not None or files.stored_path(stored_name).is_file()

    def delete(self, stored_name: str) -> None:
        db.session.execute(delete(AttachmentBlob).where(AttachmentBlob.stored_name == stored_name))
        files.stored_path(stored_name).unlink(missing_ok=True)

    def discard(self, stored_names) -> None:
        """Nothing to undo: the rows go with the rolled-back transaction."""

    def check(self) -> None:
        """Always usable when the database is."""


class FilesystemStore:
    """Attachment files under CONSULT_ATTACHMENTS (local for SQLite, or a NAS mount on every host)."""

    kind = "filesystem"

    def root(self) -> Path:
        return files.storage_root()

    def check(self) -> None:
        """Refuse an empty directory (no marker, no stored files) while attachments are recorded;
        otherwise (a new install, or a store written before the marker existed) mark it."""
        marker = self.root() / MARKER
        if marker.is_file():
            return
        has_files = self.root().is_dir() and any(p.is_dir() and len(p.name) == 2 for p in self.root().iterdir())
        if not has_files and db.session.scalar(select(Attachment.id).limit(1)) is not None:
            current_app.logger.error("attachment store %s has no %s: wrong or unmounted directory", self.root(), MARKER)
            raise StoreUnavailable(UNAVAILABLE_MESSAGE)
        try:
            self.root().mkdir(parents=True, exist_ok=True)
            marker.write_text("consult attachment store: do not delete\n", encoding="utf-8")
        except OSError as exc:  # a full disk: the save itself reports it in plain words
            current_app.logger.warning("could not write the attachment store marker: %s", exc)

    def save(self, upload) -> str:
        self.check()
        return files.write_file(upload)

    def open(self, stored_name: str) -> bytes:
        self.check()
        return files.stored_path(stored_name).read_bytes()

    def path(self, stored_name: str) -> Path:
        """The file (to stream it without reading it into memory)."""
        self.check()
        return files.stored_path(stored_name)

    def exists(self, stored_name: str) -> bool:
        self.check()
        return files.stored_path(stored_name).is_file()

    def delete(self, stored_name: str) -> None:
        self.check()
        files.stored_path(stored_name).unlink(missing_ok=True)

    def discard(self, stored_names) -> None:
        files.remove_files(stored_names)


def get_store():
    """The store configured for this app."""
    return DatabaseStore() if kind() == "database" else FilesystemStore()


def source(stored_name: str):
    """What `send_file` serves for a stored file: its path in the file store, else its bytes. FileNotFoundError
    when it is missing; ValueError for a name that is not a stored name."""
    store = get_store()
    if store.kind != "filesystem":
        return BytesIO(store.open(stored_name))
    path = store.path(stored_name)
    if not path.is_file():
        raise FileNotFoundError(stored_name)
    return path


def served(stored_name: str):
    """`source()` for a download or inline view: a name that is not a stored name, or a missing file, is the
    Japanese 404 page."""
    try:
        return source(stored_name)
    except ValueError:
        raise NotFound("ファイルが見つかりません。") from None
    except FileNotFoundError:
        raise NotFound("ファイルが見つかりません。管理者にお問い合わせください。") from None


class MigrationReport:
    """What `attachments to-database` did: counts and the attachments it could not move."""

    def __init__(self):
        self.moved = self.already = 0
        self.missing: list = []      # rows (id, original_name, …) of attachments
        self.mismatched: list = []

    @property
    def ok(self) -> bool:
        """True when every recorded attachment is now in the database, verified."""
        return not self.missing and not self.mismatched


def migrate_files_to_database(dry_run: bool = False, batch: int = 100) -> MigrationReport:
    """Copy attachment files of the filesystem store into ``attachment_blobs`` (idempotent).

    Each file is checked against the sha256 and size recorded at upload before it is written; a
    row already in the database is checked the same way and left alone.  The files stay where
    they are (remove them after a backup).  One audit event records the counts."""
    import hashlib

    report = MigrationReport()

    def good(att: Attachment, data: bytes) -> bool:
        return len(data) == att.size and hashlib.sha256(data).hexdigest() == att.sha256

    last_id, blobs = 0, []
    while True:
        rows = db.session.execute(  # plain rows, not objects: nothing piles up in the session
            select(Attachment.id, Attachment.original_name, Attachment.stored_name, Attachment.size, Attachment.sha256)
            .where(Attachment.id > last_id).order_by(Attachment.id).limit(batch)).all()
        if not rows:
            break
        last_id = rows[-1].id
        in_db = {b.stored_name: bytes(b.data) for b in db.session.execute(
            select(AttachmentBlob.stored_name, AttachmentBlob.data)
            .where(AttachmentBlob.stored_name.in_([a.stored_name for a in rows])))}
        for att in rows:
            if att.stored_name in in_db:
                if good(att, in_db[att.stored_name]):
                    report.already += 1
                else:
                    report.mismatched.append(att)
                continue
            try:
                data = files.stored_path(att.stored_name).read_bytes()
            except (OSError, ValueError):
                report.missing.append(att)
                continue
            if not good(att, data):
                report.mismatched.append(att)
                continue
            if not dry_run:
                blobs.append(AttachmentBlob(stored_name=att.stored_name, data=data))
            report.moved += 1
        if blobs:
            db.session.add_all(blobs)
            db.session.commit()  # one batch at a time: a rerun after an interruption goes on from here
            for blob in blobs:
                db.session.expunge(blob)
            blobs.clear()
    if not dry_run and (report.moved or not report.ok):
        from consult import audit

        audit.record("attachments.migrated_to_database", "attachment", None, after={
            "moved": report.moved, "already": report.already,
            "missing": [a.id for a in report.missing], "mismatched": [a.id for a in report.mismatched]})
        db.session.commit()
    return report
