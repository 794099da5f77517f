"""Find and remove attachment files that no record refers to.

A file is written before the transaction that records it commits (tickets/service.py), and removed again when
that transaction fails. Only a worker killed between the two — or a crash during the write, which leaves a
`.part` file — can leave a file that no `attachments` row names. Such a file never became part of a record
(公文書): it was never shown, downloaded or audited. `sweep` lists them and, unless asked for a dry run, removes
them; files younger than `min_age` are left alone, since their transaction may still be running.
"""
import re
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from consult.tickets.attachments import storage_root
from models import Attachment, db

_STORED = re.compile(r"[0-9a-f]{64}(\.part)?")


@dataclass
class Orphan:
    """A file of the attachment store that no record names."""

    path: Path
    size: int
    age_hours: float


def find_orphans(min_age_hours: float = 24.0) -> list[Orphan]:
    """Files of the store (two-level layout, random names) older than `min_age_hours` with no attachments row."""
    root = storage_root()
    if not root.is_dir():
        return []
    known = set(db.session.scalars(select(Attachment.stored_name)))
    now = time.time()
    orphans = []
    for path in sorted(root.glob("??/*")):
        if not path.is_file() or not _STORED.fullmatch(path.name):
            continue  # not ours: leave whatever an operator put there
        stat = path.stat()
        age = (now - stat.st_mtime) / 3600
        if path.name in known:  # a recorded file (a .part leftover never is)
            continue
        if age >= min_age_hours:
            orphans.append(Orphan(path=path, size=stat.st_size, age_hours=age))
    return orphans


def remove(orphans: list[Orphan]) -> int:
    """Remove the files; returns how many were removed (ones already gone are skipped)."""
    removed = 0
    for orphan in orphans:
        try:
            orphan.path.unlink()
            removed += 1
        except FileNotFoundError:
            continue
    return removed
