"""Minimal job registry and `flask --app app jobs run` (placeholder until the shared one lands; the lead merges
registries). A job is a function without arguments that returns a one-line Japanese summary."""
from collections.abc import Callable

import click
from flask import Flask
from flask.cli import AppGroup

JOBS: dict[str, Callable[[], str]] = {}

jobs_cli = AppGroup("jobs", help="定期処理を実行します。")


def register(name: str):
    """Decorator: add a job function under `name` (registering the same name again replaces it)."""

    def decorator(func):
        JOBS[name] = func
        return func

    return decorator


@jobs_cli.command("run")
def run_command():
    """Run every registered job once, in registration order."""
    failed = False
    for name, job in JOBS.items():
        try:
            click.echo(f"{name}: {job()}")
        except Exception as exc:  # noqa: BLE001 -- one failing job must not stop the others; reported, exit non-zero
            failed = True
            click.echo(f"{name}: エラー {exc}", err=True)
    if failed:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    """Register the command group."""
    app.cli.add_command(jobs_cli)
