"""Jobs written without a clock (`job() -> summary`) registered into the shared registry of `jobs run`
(`consult.jobs`), which passes `now` and takes each job's cluster lock."""
from collections.abc import Callable

import click

from consult import jobs as registry


def register(name: str, help: str = ""):
    """Decorator: run `func()` from `flask --app app jobs run` under `name`."""

    def decorator(func: Callable[[], object]):
        registry.register(name, help)(lambda now, _func=func: _func())
        return func

    return decorator


def _records() -> str:
    """Approved 公文書 disposals and transfers."""
    from consult.records.jobs import run

    return run()


register("records", "承認された公文書の廃棄・移管")(_records)


def run_all(echo=click.echo) -> int:
    """Run every job once, echoing one line each; returns the number of failures."""
    failures = 0
    for result in registry.run_all():
        if result.error:
            failures += 1
            echo(f"{result.name}: 失敗 {result.error}", err=True)
        else:
            echo(f"{result.name}: {result.summary}")
    return failures
