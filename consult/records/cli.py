"""`flask --app app records due|ledger|reapply-ledger`: the 公文書 lifecycle from the command line."""
from datetime import date
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from consult.core.clitools import domain_errors_fail, fail

from . import ledgers, reapply, schedule, service

records_cli = AppGroup("records", help="公文書の保存期間・廃棄・移管を扱います。")


def _as_of(value: str | None) -> date:
    """--as-of YYYY-MM-DD (default: today in JST)."""
    if not value:
        return schedule.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--as-of の日付を読めません: {value}（YYYY-MM-DD の形で指定してください）")


@records_cli.command("due")
@click.option("--as-of", "as_of", default=None, help="この日の時点で保存期間が満了している記録（YYYY-MM-DD、既定は今日）")
def due(as_of):
    """List records whose retention period has ended (changes nothing)."""
    day = _as_of(as_of)
    rows = service.due_records(day)
    for row in rows:
        notes = "保留中: " + row.hold_reason if row.held else (row.state and service.STATE_TEXT[row.state] or "")
        click.echo("\t".join([row.number, row.category, row.title, row.years_label, f"{row.expiry:%Y-%m-%d}",
                              row.action_label, notes]))
    click.echo(f"{day:%Y-%m-%d} の時点で保存期間が満了している記録: {len(rows)}件（何も変更していません）")


@records_cli.command("ledger")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--kind", type=click.Choice(["files", "disposals"]), default="files", show_default=True,
              help="files: ファイル管理簿、disposals: 移管・廃棄簿")
def ledger(path, kind):
    """Write the ファイル管理簿 (or 移管・廃棄簿) to PATH as CSV (UTF-8 BOM) or .xlsx."""
    target = Path(path)
    if not target.parent.is_dir():
        fail(f"{target.parent} というフォルダがありません")
    count = ledgers.write_file(kind, target)
    click.echo(f"{ledgers.LEDGERS[kind][0]}を書き出しました: {path}（{count}件）")


@records_cli.command("reapply-ledger")
@click.option("--file", "path", default=None, type=click.Path(dir_okay=False, exists=True),
              help="廃棄簿ファイル（既定は CONSULT_RECORDS_DIR/disposal-ledger.jsonl）")
@domain_errors_fail
def reapply_ledger(path):
    """Dispose again the records that the disposal ledger file lists (after restoring an older backup)."""
    numbers = reapply.reapply(Path(path) if path else None)
    click.echo(f"廃棄簿に基づいて再び廃棄した記録: {len(numbers)}件 {' '.join(numbers)}".rstrip())


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(records_cli)
