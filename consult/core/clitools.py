"""Shared by every command group: how a command reports bad input."""
import functools
import sys

import click

from consult.errors import DomainError


def fail(message: str) -> None:
    """Print one clear Japanese line to stderr and exit non-zero."""
    click.echo(f"エラー: {message}", err=True)
    sys.exit(1)


def domain_errors_fail(command):
    """Decorator (below the click decorators): a DomainError the command raises ends it with ``fail(message)``, one
    Japanese line and exit status 1, never a traceback."""
    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DomainError as exc:
            fail(exc.message)
    return run
