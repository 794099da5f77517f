"""`flask --app app exports work`: the background worker of large exports (a systemd service, docs/deploy.md)."""
import signal
import time

import click
from flask.cli import AppGroup

from . import exportjobs

exports_cli = AppGroup("exports", help="件数の多い書き出し（CSV・Excel）を画面とは別に作ります。")


@exports_cli.command("work")
@click.option("--once", is_flag=True, help="待っている書き出しをすべて作ったら終了する")
@click.option("--poll", default=2.0, show_default=True, type=click.FloatRange(0.1, 60), help="待つ間の確認間隔（秒）")
@click.option("--max-jobs", default=None, type=click.IntRange(1), help="この件数を処理したら終了する")
def work_command(once, poll, max_jobs):
    """Claim and write queued exports; runs until stopped (SIGTERM ends it after the current export)."""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    worker = exportjobs.worker_name()
    handled = 0
    while not stopping:
        left = None if max_jobs is None else max_jobs - handled
        counts = exportjobs.work(worker, max_jobs=left)
        for outcome, n in counts.items():
            if n:
                click.echo(f"{outcome}: {n}件", err=False)
        handled += sum(counts.values())
        if once or (max_jobs is not None and handled >= max_jobs):
            break
        time.sleep(poll)
    click.echo(f"書き出し {handled}件を処理しました")


@exports_cli.command("expire")
def expire_command():
    """Remove the files of exports past CONSULT_EXPORT_KEEP_DAYS (also done by `jobs run`)."""
    click.echo(f"保存期間を過ぎた書き出しファイルを {exportjobs.expire()}件 削除しました")


def init_app(app) -> None:
    """Register the `exports` command group."""
    app.cli.add_command(exports_cli)
