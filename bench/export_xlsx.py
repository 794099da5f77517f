"""Benchmark of the big XLSX export (audit finding 5): every ticket of a bench/seed_scale.py database as .xlsx.

    .venv/bin/python bench/export_xlsx.py --database-url sqlite:///instance/scale.sqlite3 [--openpyxl]

Prints rows, seconds and file size for the streaming writer the app uses (consult/reports/xlsx.py), and with
--openpyxl the same rows through openpyxl's write-only workbook (the writer before) for comparison.
Target: well under the 60 s gunicorn timeout for 100,000 tickets (the export runs in one request).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from werkzeug.datastructures import MultiDict  # noqa: E402

from consult import create_app  # noqa: E402
from consult.reports import exports, xlsx  # noqa: E402


def _openpyxl(header, rows):
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("相談")
    ws.append(header)
    for row in rows:
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    tmp = tempfile.TemporaryFile()
    wb.save(tmp)
    tmp.seek(0)
    return tmp


def _run(label, writer, app, include_internal):
    with app.test_request_context():
        header = exports.TICKET_HEADER + ([exports.INTERNAL_HEADER] if include_internal else [])
        rows = list(exports.ticket_rows(MultiDict({"f": "1"}), include_internal))
        started = time.perf_counter()
        query_s = 0.0
        tmp = writer(header, rows)
        took = time.perf_counter() - started
        size = os.fstat(tmp.fileno()).st_size
        tmp.close()
        t0 = time.perf_counter()
        for _ in exports.ticket_rows(MultiDict({"f": "1"}), include_internal):
            pass
        query_s = time.perf_counter() - t0
    print(f"{label:10} rows={len(rows):>7,}  query={query_s:5.1f} s  write={took:5.1f} s  "
          f"total≈{query_s + took:5.1f} s  size={size / 1e6:5.1f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--openpyxl", action="store_true", help="also time openpyxl write-only (the old writer)")
    parser.add_argument("--include-internal", action="store_true")
    args = parser.parse_args()
    tmpdir = tempfile.mkdtemp(prefix="17_bench_")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": args.database_url,
                      "CONSULT_SEARCH_INDEX": os.path.join(tmpdir, "index"), "CONSULT_INSTANCE": tmpdir})
    _run("streaming", lambda h, r: xlsx.write("相談", h, r), app, args.include_internal)
    if args.openpyxl:
        _run("openpyxl", _openpyxl, app, args.include_internal)


if __name__ == "__main__":
    main()
