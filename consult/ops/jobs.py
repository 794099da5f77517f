"""`flask --app app jobs run`: run every registered periodic job once (cron or a systemd timer calls it).

A minimal registry: each job is either "module:function" in JOBS or a function added with `@register(name)`;
the function takes no argument and returns a one-line summary.
"""
from collections.abc import Callable
from importlib import import_module

import click
from flask import Flask
from flask.cli import AppGroup

from . import cluster

JOBS: dict[str, str | Callable[[], str]] = {
    "records": "consult.records.jobs:run",  # approved 公文書 disposals and transfers
}

jobs_cli = AppGroup("jobs", help="定期処理を実行します。")


def register(name: str):
    """Decorator: add a job function under `name` (registering the same name again replaces it)."""

    def decorator(func):
        JOBS[name] = func
        return func

    return decorator


def resolve(spec):
    """The function named by "module:function" (or the function itself)."""
    if callable(spec):
        return spec
    module, _, name = spec.partition(":")
    return getattr(import_module(module), name)


def run_all(echo=click.echo) -> int:
    """Run every job; a failing job is reported and the others still run. Returns the number of failures."""
    failures = 0
    for name, spec in list(JOBS.items()):
        try:
            with cluster.once(f"job:{name}") as mine:  # one host of the cluster at a time
                summary = resolve(spec)() if mine else "他のホストで実行中のため省略"
        except Exception as exc:  # noqa: BLE001  (one broken job must not stop the others)
            from models import db

            db.session.rollback()
            failures += 1
            echo(f"{name}: 失敗しました: {exc}", err=True)
            continue
        echo(f"{name}: {summary}")
    return failures


@jobs_cli.command("run")
def jobs_run():
    """Run every registered job once."""
    if run_all():
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    """Register the command group."""
    if "jobs" not in app.cli.commands:
        app.cli.add_command(jobs_cli)
