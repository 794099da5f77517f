"""`flask --app app jobs run`: the periodic jobs, each at most once per cluster at a time.

Run it from a timer on every host (docs/deploy.md); each job takes its PostgreSQL advisory lock
(`cluster.once(name)`), so with several hosts a job runs on one of them and is skipped on the
others while it runs.  Modules register their jobs:

    from consult.ops import jobs

    @jobs.register("search-prune-log")
    def prune():
        ...                  # returns a short summary (str or number) or None
"""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from . import cluster

JOBS: dict[str, callable] = {}

jobs_cli = AppGroup("jobs", help="定期処理を実行します（クラスタ全体で同時に1か所だけ）。")


def register(name: str):
    """Decorator: add ``fn`` to the jobs run by `jobs run` under ``name``."""
    def decorate(fn):
        JOBS[name] = fn
        return fn
    return decorate


def run(only: tuple[str, ...] = ()) -> dict[str, str]:
    """Run the registered jobs (or ``only`` those); returns name -> what happened."""
    done = {}
    for name, fn in JOBS.items():
        if only and name not in only:
            continue
        with cluster.once(f"job:{name}") as mine:
            if not mine:
                done[name] = "skipped: running elsewhere"
                continue
            result = fn()
            done[name] = "ok" if result is None else f"ok: {result}"
    return done


@jobs_cli.command("run")
@click.option("--only", multiple=True, help="このジョブだけ実行する（複数指定可）")
def run_command(only):
    """Run every registered job once."""
    unknown = [n for n in only if n not in JOBS]
    if unknown:
        raise click.UsageError(f"そのジョブはありません: {', '.join(unknown)}（{', '.join(JOBS)}）")
    for name, outcome in run(tuple(only)).items():
        click.echo(f"{name}\t{outcome}")


def init_app(app: Flask) -> None:
    """Register the `jobs` command."""
    if "jobs" not in app.cli.commands:
        app.cli.add_command(jobs_cli)
