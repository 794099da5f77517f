"""`flask --app app cases import FILE | export FILE` (stable interface, see ARCHITECTURE.md)."""

import click
from flask import Flask
from flask.cli import AppGroup

from consult.clitools import fail

from . import importer

cases_cli = AppGroup("cases", help="解決事例を取り込み・書き出しします。")



@cases_cli.command("import")
@click.argument("file")
def import_command(file):
    """Import published cases from a JSON Lines FILE (all or nothing); re-importing a ref updates it."""
    try:
        count = importer.import_file(file)
    except importer.ImportFileError as exc:
        fail(exc.message)
    click.echo(f"{count}件の事例を取り込みました: {file}")


@cases_cli.command("export")
@click.argument("file")
def export_command(file):
    """Write every published case to FILE in the same JSON Lines format."""
    try:
        count = importer.export_file(file)
    except importer.ImportFileError as exc:
        fail(exc.message)
    click.echo(f"{count}件の公開事例を書き出しました: {file}")


def init_app(app: Flask) -> None:
    """Register the `cases` command group."""
    app.cli.add_command(cases_cli)
