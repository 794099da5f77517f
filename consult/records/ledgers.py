"""ファイル管理簿 (every current record) and 移管・廃棄簿 (every disposal/transfer), as rows for CSV and XLSX."""
from collections.abc import Iterator
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from consult.jdates import fiscal_year, format_fiscal_year
from consult.reports import exports
from models import DisposalEntry, db

from . import service

FILE_HEADER = ["番号", "分類", "名称", "作成・取得年度", "保存期間", "満了日", "満了時の措置", "保存場所", "状態", "保留"]
DISPOSAL_HEADER = ["番号", "分類", "名称", "所属", "作成・取得年度", "完結日", "保存期間", "満了日", "措置", "提案者",
                   "承認者（文書管理者）", "承認日時", "廃棄日時", "移管パッケージ", "パッケージSHA-256"]


def _d(value) -> str:
    """A date as 2026/03/31 ('' for none)."""
    return f"{value:%Y/%m/%d}" if value else ""


def file_rows() -> Iterator[list]:
    """ファイル管理簿: one row per current (not disposed) record."""
    location = current_app.config.get("CONSULT_RECORDS_LOCATION", "")
    for row in service.current_records():
        expiry = _d(row.expiry) if row.expiry else ("常用" if row.years is None else "完結後に確定")
        yield [row.number, row.category, row.title, format_fiscal_year(fiscal_year(row.created_at)), row.years_label,
               expiry, row.action_label, location, row.state and service.STATE_TEXT.get(row.state, "") or "",
               row.hold_reason if row.held else ""]


def disposal_entries() -> list[DisposalEntry]:
    """Every 移管・廃棄簿 line, oldest first."""
    return list(db.session.scalars(select(DisposalEntry).order_by(DisposalEntry.disposed_at, DisposalEntry.id)))


def disposal_rows() -> Iterator[list]:
    """移管・廃棄簿: one row per disposed or transferred record."""
    for e in disposal_entries():
        yield [e.number, e.category_name, e.title, e.department_name, format_fiscal_year(fiscal_year(e.created_on)),
               _d(e.completed_on), e.years_label, _d(e.expires_on), e.action_label, e.proposed_by_name,
               e.approved_by_name, exports._jst(e.approved_at), exports._jst(e.disposed_at), e.package_name or "",
               e.package_sha256 or ""]


LEDGERS = {"files": ("ファイル管理簿", FILE_HEADER, file_rows), "disposals": ("移管・廃棄簿", DISPOSAL_HEADER, disposal_rows)}


def write_file(kind: str, path: Path) -> int:
    """Write a ledger to `path` as CSV (UTF-8 BOM) or XLSX by its extension; returns the number of rows."""
    title, header, rows = LEDGERS[kind]
    data = list(rows())
    if path.suffix.lower() == ".xlsx":
        tmp = exports.write_xlsx(title, header, data)
        with open(path, "wb") as fh:
            for chunk in exports.file_chunks(tmp):
                fh.write(chunk)
    else:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            for chunk in exports.csv_chunks(header, data):
                fh.write(chunk)
    return len(data)
