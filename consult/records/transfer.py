"""移管: a zip package per record set — JSON and a printable HTML page per record, its attachments, SHA-256 manifest."""
import hashlib
import json
import os
import zipfile
from pathlib import Path

from flask import render_template
from sqlalchemy import select

from consult.audit import snapshot
from consult.jdates import fiscal_year
from models import Attachment, Comment, Ticket, db, utcnow

from . import disposal
from .store import read_attachment

RECORD_FIELDS = (
    "number", "title", "status", "purpose", "current_process", "problem", "desired_state", "frequency",
    "hours_per_month", "desired_timing", "urgency", "contains_personal_info", "priority", "created_at",
    "triaged_at", "first_response_at", "resolved_at", "closed_at", "withdrawn_at", "root_cause",
    "resolution_type", "resolution_summary", "hours_saved_per_year",
)


def packages_dir() -> Path:
    """Folder of the transfer packages."""
    path = disposal.records_dir() / "transfers"
    path.mkdir(parents=True, exist_ok=True)
    return path


def package_path(name: str) -> Path:
    """Path of a package by name; only names this module makes are accepted."""
    if not (name.startswith("transfer-") and name.endswith(".zip")) or "/" in name or "\\" in name or ".." in name:
        raise ValueError("invalid package name")
    return packages_dir() / name


def record_data(ticket: Ticket, comments: list[Comment], files: list[Attachment]) -> dict:
    """The JSON of one record: its fields, people, conversation and attachment list."""
    data = snapshot(ticket, RECORD_FIELDS)
    data.update({
        "fiscal_year": fiscal_year(ticket.created_at),
        "category": ticket.category.name if ticket.category else None,
        "department": ticket.department.full_name,
        "requester": ticket.requester.name if ticket.requester else None,
        "main_handler": ticket.main_handler.name if ticket.main_handler else None,
        "backup_handler": ticket.backup_handler.name if ticket.backup_handler else None,
        "comments": [{"author": c.author.name, "internal": c.internal, "body": c.body,
                      "created_at": c.created_at.isoformat()} for c in comments],
        "attachments": [{"name": a.original_name, "path": _file_path(ticket, a), "size": a.size, "sha256": a.sha256,
                         "content_type": a.content_type} for a in files],
    })
    return data


def _file_path(ticket: Ticket, attachment: Attachment) -> str:
    """Path of an attachment inside the package (id prefix keeps equal names apart)."""
    return f"{ticket.number}/attachments/{attachment.id}_{attachment.original_name}"


def build_package(ticket_ids: list[int]) -> tuple[str, str]:
    """Write one package for the records; returns (file name, SHA-256 of the zip)."""
    tickets = list(db.session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids)).order_by(Ticket.number)))
    comments = list(db.session.scalars(select(Comment).where(Comment.ticket_id.in_(ticket_ids)).order_by(Comment.id)))
    files = list(db.session.scalars(select(Attachment).where(Attachment.ticket_id.in_(ticket_ids)).order_by(Attachment.id)))
    name = f"transfer-{utcnow():%Y%m%d-%H%M%S}-{min(ticket_ids)}.zip"
    path = package_path(name)
    tmp = path.with_suffix(".part")
    sums: list[tuple[str, str]] = []

    def put(archive, arcname: str, data: bytes) -> None:
        archive.writestr(arcname, data)
        sums.append((hashlib.sha256(data).hexdigest(), arcname))

    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        index = []
        for ticket in tickets:
            own_comments = [c for c in comments if c.ticket_id == ticket.id]
            own_files = [a for a in files if a.ticket_id == ticket.id]
            data = record_data(ticket, own_comments, own_files)
            put(archive, f"{ticket.number}/record.json", json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))
            html = render_template("records/transfer_record.html", record=data)
            put(archive, f"{ticket.number}/record.html", html.encode("utf-8"))
            for attachment in own_files:
                put(archive, _file_path(ticket, attachment), read_attachment(attachment.stored_name))
            index.append({"number": ticket.number, "title": ticket.title})
        put(archive, "style.css", (Path(__file__).parent / "transfer.css").read_bytes())
        put(archive, "index.json", json.dumps({"created_at": utcnow().isoformat(), "records": index},
                                              ensure_ascii=False, indent=2).encode("utf-8"))
        manifest = "".join(f"{digest}  {arcname}\n" for digest, arcname in sums)
        archive.writestr("manifest-sha256.txt", manifest.encode("utf-8"))
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return name, hashlib.sha256(path.read_bytes()).hexdigest()


def verify_package(path: Path) -> list[str]:
    """Entries whose SHA-256 differs from the manifest (empty: the package is intact)."""
    bad = []
    with zipfile.ZipFile(path) as archive:
        for line in archive.read("manifest-sha256.txt").decode("utf-8").splitlines():
            digest, arcname = line.split("  ", 1)
            if hashlib.sha256(archive.read(arcname)).hexdigest() != digest:
                bad.append(arcname)
    return bad
