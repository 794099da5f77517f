"""`flask --app app backup PATH` and `flask --app app restore PATH`."""

import click
from flask import Flask

from consult.clitools import fail

from . import backup as backups


@click.command("backup")
@click.argument("path")
def backup_command(path):
    """Back up the database and attachments into the directory PATH."""
    try:
        manifest = backups.create_backup(path)
    except backups.BackupError as exc:
        fail(exc.message)
    rows = sum(manifest["tables"].values())
    click.echo(f"バックアップしました: {path}（{manifest['kind']}, {rows}行）")


@click.command("restore")
@click.argument("path")
@click.option("--force", is_flag=True, help="空でないデータベースにも上書きで復元する")
def restore_command(path, force):
    """Restore a backup made by `backup` into this instance and rebuild the search index."""
    try:
        manifest = backups.restore_backup(path, force=force)
    except backups.BackupError as exc:
        fail(exc.message)
    click.echo(f"復元しました: {path}（{manifest['created_at']} 時点）。検索索引を再構築しました")


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
