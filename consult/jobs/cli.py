"""`flask --app app jobs run` and `flask --app app jobs list`."""
from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from consult.core.clitools import fail

from . import load, run_all

jobs_cli = AppGroup("jobs", help="定期処理（催促・自動完了・期限超過のまとめなど）を実行します。")


def _parse_now(value: str | None) -> datetime | None:
    """--now as ISO 8601; an aware time is converted, a naive one is taken as UTC."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--now の日時が読めません: {value}（例: 2026-12-03T09:00:00+09:00）")
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


@jobs_cli.command("run")
@click.option("--only", multiple=True, help="この名前のジョブだけ実行する（複数指定可）")
@click.option("--now", "now", default=None, help="この日時として実行する（確認・テスト用、ISO 8601）")
def run_command(only, now):
    """Run every registered job once (idempotent: safe every 15 minutes, twice, or on two hosts)."""
    registry = load()
    unknown = [name for name in only if name not in registry]
    if unknown:
        fail(f"そのようなジョブはありません: {', '.join(unknown)}（flask --app app jobs list で一覧を表示）")
    failed = False
    for result in run_all(_parse_now(now), list(only) or None):
        if result.error:
            failed = True
            click.echo(f"{result.name}: 失敗 {result.error}", err=True)
        else:
            click.echo(f"{result.name}: {result.summary}")
    if failed:
        raise SystemExit(1)


@jobs_cli.command("list")
def list_command():
    """List the registered jobs."""
    for job in load().values():
        click.echo(f"{job.name}\t{job.help}")


def init_app(app) -> None:
    """Register the `jobs` command group."""
    app.cli.add_command(jobs_cli)
