"""Excel-ready exports of tickets and cases: CSV (UTF-8 with BOM) and .xlsx, streamed without a row limit.

Rows come from one narrow SQL query (columns only, no ORM objects) fetched in chunks (yield_per, a
server-side cursor on PostgreSQL), so memory stays flat whatever the number of rows. CSV is written
chunk by chunk to the response; .xlsx is written by the streaming writer of `xlsx.py` (text cells are
inline strings, never formulas) to an anonymous temporary file which is then streamed. CSV text cells that
Excel could read as a formula — starting with = + - @ (also full-width ＝＋－＠), a control character or a
BOM — get a leading '.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.orm import aliased

from consult.audit import record
from consult.textfilter import xml_safe
from models import (
    CASE_STATUS_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    URGENCY_LABELS,
    Case,
    Category,
    Comment,
    Department,
    Ticket,
    User,
    db,
    dialects,
)

from .periods import JST_OFFSET

CHUNK = 1000
BOM = "\ufeff"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\ufeff",
                    *(chr(c) for c in range(0x20)), "\x7f")
NOTE_SEPARATOR = "\n----\n"

TICKET_HEADER = [
    "番号", "件名", "状態", "部局", "所属", "相談者", "分類", "優先度", "緊急度", "主担当", "副担当",
    "受付日時", "初回回答日時", "解決日時", "完了日時", "取下げ日時", "初回回答期限", "解決期限",
    "解決方法の種類", "削減時間（時間/年）", "月あたりの作業時間", "個人情報を含む", "業務の目的", "現在のやり方",
    "困りごと", "目指したい状態", "原因", "解決内容", "公開コメント数",
]
INTERNAL_HEADER = "内部メモ"
CASE_HEADER = [
    "事例番号", "件名", "状態", "所属（表示名）", "分類", "解決方法の種類", "削減時間（時間/年）", "ツール", "タグ",
    "公開日時", "閲覧数", "役に立った数", "困りごと", "原因", "解決策", "効果", "元の相談番号",
]


def safe_text(value: str) -> str:
    """Neutralise spreadsheet formulas in CSV: text starting with = + - @ (half or full width), a control
    character or a BOM gets a leading '."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _jst(dt: datetime | None) -> datetime | None:
    """Naive-UTC → naive JST (spreadsheets have no time zones)."""
    return dt + JST_OFFSET if dt is not None else None


# --- queries ---------------------------------------------------------------------------------------


def _queue_filter(args) -> Select | None:
    """Ticket ids matching the desk queue's filters, when the desk module provides them."""
    try:
        from consult.desk import queries as desk_queries
    except ImportError:
        return None
    if not (hasattr(desk_queries, "parse_filters") and hasattr(desk_queries, "queue_select")):
        return None
    params = desk_queries.parse_filters(args)
    return desk_queries.queue_select(params).with_only_columns(Ticket.id).order_by(None)


def _fallback_filter(stmt: Select, args) -> Select:
    """Minimal filters (status) used until the desk queue's parse_filters/queue_select exist."""
    statuses = [s for s in args.getlist("status") if s in STATUS_LABELS]
    return stmt.where(Ticket.status.in_(statuses)) if statuses else stmt


def _internal_notes():
    """Correlated aggregate of a ticket's internal notes, oldest first, per dialect."""
    where = (Comment.ticket_id == Ticket.id, Comment.internal.is_(True))
    return dialects.ordered_string_agg(Comment.body, NOTE_SEPARATOR, Comment.id, where, Ticket)


def ticket_select(args, include_internal: bool = False, period=None, ids: list[int] | None = None) -> Select:
    """Narrow select of the exported ticket columns, filtered like the desk queue (and received in `period`);
    with `ids`, just those tickets (a page of an export whose ids were chosen by the filters before)."""
    dept, parent = aliased(Department), aliased(Department)
    requester, main, backup = aliased(User), aliased(User), aliased(User)
    public_comments = (
        select(func.count(Comment.id)).where(Comment.ticket_id == Ticket.id, Comment.internal.is_(False))
        .correlate(Ticket).scalar_subquery()
    )
    cols = [
        Ticket.number, Ticket.title, Ticket.status, func.coalesce(parent.name, dept.name), dept.name, requester.name,
        Category.name, Ticket.priority, Ticket.urgency, main.name, backup.name,
        Ticket.created_at, Ticket.first_response_at, Ticket.resolved_at, Ticket.closed_at, Ticket.withdrawn_at,
        Ticket.first_response_due, Ticket.resolution_due, Ticket.resolution_type, Ticket.hours_saved_per_year,
        Ticket.hours_per_month, Ticket.contains_personal_info, Ticket.purpose, Ticket.current_process,
        Ticket.problem, Ticket.desired_state, Ticket.root_cause, Ticket.resolution_summary, public_comments,
    ]
    if include_internal:
        cols.append(_internal_notes())
    stmt = (
        select(*cols)
        .select_from(Ticket)
        .join(dept, dept.id == Ticket.department_id)
        .outerjoin(parent, parent.id == dept.parent_id)
        .outerjoin(requester, requester.id == Ticket.requester_id)  # none once the record is disposed
        .outerjoin(Category, Category.id == Ticket.category_id)
        .outerjoin(main, main.id == Ticket.main_handler_id)
        .outerjoin(backup, backup.id == Ticket.backup_handler_id)
        .order_by(Ticket.id)
    )
    if ids is not None:
        return stmt.where(Ticket.id.in_(ids))
    if period is not None:
        stmt = stmt.where(Ticket.created_at >= period.utc_start, Ticket.created_at < period.utc_end)
    queue = _queue_filter(args)
    return stmt.where(Ticket.id.in_(queue)) if queue is not None else _fallback_filter(stmt, args)


def case_select(period=None, ids: list[int] | None = None) -> Select:
    """Narrow select of the exported case columns (all statuses; staff only; published in `period` if given;
    with `ids`, just those cases)."""
    source = aliased(Ticket)
    stmt = (
        select(
            Case.ref, Case.title, Case.status, Case.department_label, Category.name, Case.resolution_type,
            Case.hours_saved_per_year, Case.tools, Case.tags, Case.published_at, Case.view_count, Case.helpful_count,
            Case.problem, Case.cause, Case.solution, Case.effect, source.number,
        )
        .select_from(Case)
        .outerjoin(Category, Category.id == Case.category_id)
        .outerjoin(source, source.id == Case.source_ticket_id)
        .order_by(Case.id)
    )
    if ids is not None:
        return stmt.where(Case.id.in_(ids))
    if period is not None:
        stmt = stmt.where(Case.published_at >= period.utc_start, Case.published_at < period.utc_end)
    return stmt


def _stream(stmt: Select) -> Iterator:
    """Execute in chunks (server-side cursor where supported)."""
    return db.session.execute(stmt.execution_options(yield_per=CHUNK, stream_results=True))


def ticket_row(r) -> list:
    """One exported ticket row from a result row (JST datetimes, Japanese labels)."""
    row = list(r)
    row[2] = STATUS_LABELS.get(row[2], row[2])
    row[7] = PRIORITY_LABELS.get(row[7], row[7])
    row[8] = URGENCY_LABELS.get(row[8], row[8])
    for i in range(11, 16):
        row[i] = _jst(row[i])
    row[21] = "はい" if row[21] else "いいえ"
    return row


def case_row(r) -> list:
    """One exported case row from a result row."""
    row = list(r)
    row[2] = CASE_STATUS_LABELS.get(row[2], row[2])
    row[7] = "、".join(row[7] or [])
    row[8] = "、".join(row[8] or [])
    row[9] = _jst(row[9])
    return row


def ticket_rows(args, include_internal: bool = False, period=None) -> Iterator[list]:
    """Exported ticket rows (JST datetimes, Japanese labels)."""
    for r in _stream(ticket_select(args, include_internal, period)):
        yield ticket_row(r)


def case_rows(period=None) -> Iterator[list]:
    """Exported case rows."""
    for r in _stream(case_select(period)):
        yield case_row(r)


def count_at_most(stmt: Select, limit: int) -> int:
    """How many rows `stmt` gives, counting no further than `limit` (enough to choose inline or background)."""
    ids = stmt.with_only_columns(literal_column("1")).order_by(None).limit(limit).subquery()
    return db.session.scalar(select(func.count()).select_from(ids)) or 0


def count_all(stmt: Select) -> int:
    """How many rows `stmt` gives."""
    ids = stmt.with_only_columns(literal_column("1")).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(ids)) or 0


# --- writers ---------------------------------------------------------------------------------------


def _csv_value(value) -> str | int | float:
    """A cell for CSV: dates as 2026/04/01 09:30 (Excel reads them as dates), text made formula-safe."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y/%m/%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y/%m/%d")
    if isinstance(value, str):
        return safe_text(xml_safe(value))
    return value


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV text in chunks: BOM + header first, then about CHUNK rows at a time (CRLF line ends)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    yield BOM + buf.getvalue()
    buf.seek(0)
    buf.truncate()
    for n, row in enumerate(rows, 1):
        writer.writerow([_csv_value(v) for v in row])
        if n % CHUNK == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    if buf.tell():
        yield buf.getvalue()


def write_xlsx(sheet_title: str, header: list[str], rows: Iterable[list]):
    """Write the workbook (streaming writer, text never a formula) to an anonymous temporary file, rewound."""
    from .xlsx import write

    return write(sheet_title, header, rows)


def file_chunks(tmp, size: int = 64 * 1024) -> Iterator[bytes]:
    """Read a temporary file in chunks and close (delete) it at the end."""
    try:
        while chunk := tmp.read(size):
            yield chunk
    finally:
        tmp.close()


def log_export(kind: str, fmt: str, actor, include_internal: bool = False, filters: dict | None = None) -> None:
    """Record who exported what (exports can contain personal information)."""
    record("export", kind, None, actor=actor, after={"format": fmt, "include_internal": include_internal, "filters": filters or {}})
    db.session.commit()
