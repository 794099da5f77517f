"""`flask --app app directory sync [--dry-run]`."""
import click
from flask import Flask
from flask.cli import AppGroup

from consult.core.clitools import domain_errors_fail

from . import sync

directory_cli = AppGroup("directory", help="ディレクトリ（LDAP / Active Directory）と利用者を同期します。")


@directory_cli.command("sync")
@click.option("--dry-run", is_flag=True, help="差分を表示するだけで変更しない")
@domain_errors_fail
def sync_command(dry_run):
    """Create, update and deactivate users from the directory; print the differences in Japanese."""
    run = sync.run(dry_run=dry_run)
    for line in sync.summary_lines(run):
        click.echo(line)


def init_app(app: Flask) -> None:
    """Register the command group."""
    app.cli.add_command(directory_cli)
