"""Shared by every command group: how a command reports bad input."""
import sys

import click


def fail(message: str) -> None:
    """Print one clear Japanese line to stderr and exit non-zero."""
    click.echo(f"エラー: {message}", err=True)
    sys.exit(1)
