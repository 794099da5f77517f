"""`flask --app app cases import FILE | export FILE` (stable interface, see ARCHITECTURE.md)."""

import click
from flask import Flask
from flask.cli import AppGroup

from consult.core.clitools import domain_errors_fail

from . import importer

cases_cli = AppGroup("cases", help="解決事例を取り込み・書き出しします。")



@cases_cli.command("import")
@click.argument("file")
@domain_errors_fail
def import_command(file):
    """Import published cases from a JSON Lines FILE (all or nothing); re-importing a ref updates it."""
    import sys
    import time

    bars = {}

    def bar(name, label, total):
        def update(done):
            if name not in bars:
                bars[name] = [click.progressbar(length=total(), label=label, file=sys.stderr), 0]
                bars[name][0].__enter__()
            b = bars[name]
            b[0].update(done - b[1])
            b[1] = done
        return update

    started = time.perf_counter()
    try:
        count = importer.import_file(file, progress=bar("store", "事例を保存しています", lambda: _count(file)),
                                     index_progress=bar("index", "索引を作っています", lambda: _published()))
    finally:
        for b, _ in bars.values():
            b.__exit__(None, None, None)
    elapsed = time.perf_counter() - started
    click.echo(f"{count}件の事例を取り込みました: {file}（{elapsed:.1f}秒、毎秒{count / max(elapsed, 1e-9):,.0f}件）")


def _count(file) -> int:
    """Number of cases in the file (lines with content)."""
    with open(file, encoding="utf-8", errors="replace") as fh:
        return sum(1 for line in fh if line.strip())


def _published() -> int:
    from sqlalchemy import func, select

    from models import Case, db
    return db.session.scalar(select(func.count()).select_from(Case).where(Case.status == "published"))


@cases_cli.command("export")
@click.argument("file")
@domain_errors_fail
def export_command(file):
    """Write every published case to FILE in the same JSON Lines format."""
    count = importer.export_file(file)
    click.echo(f"{count}件の公開事例を書き出しました: {file}")


def init_app(app: Flask) -> None:
    """Register the `cases` command group."""
    app.cli.add_command(cases_cli)
