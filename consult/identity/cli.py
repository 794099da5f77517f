"""`flask --app app users import FILE.csv` (added to the users group)."""
from pathlib import Path

import click
from flask import Flask

from consult.core.clitools import fail

from . import user_import


@click.command("import")
@click.argument("path")
def users_import(path):
    """Create or update users from a CSV file (login, name, email, 所属コード, role); nothing is stored when a line is wrong."""
    file = Path(path)
    if not file.is_file():
        fail(f"ファイル {path} が見つかりません")
    try:
        result = user_import.import_users(file.read_bytes())
    except user_import.ImportError_ as exc:
        for problem in exc.problems:
            click.echo(f"{path}: {problem}", err=True)
        fail(f"{path}: {exc.message}")
    click.echo(f"{path}: {result.summary()}")


def init_app(app: Flask) -> None:
    """Add `import` to the `users` command group."""
    from consult.cli import users_cli

    from . import reorg  # noqa: F401  (registers the 組織改正 job for `jobs run`)

    users_cli.add_command(users_import)
