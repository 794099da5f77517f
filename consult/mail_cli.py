"""`flask --app app mail send-pending`: send due notification mails from the outbox."""
import click
from flask import Flask, current_app
from flask.cli import AppGroup

mail_cli = AppGroup("mail", help="通知メールを管理します。")


@mail_cli.command("send-pending")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 10000), help="一度に送る最大件数")
def send_pending(limit):
    """Send the mails that are due (new ones and retries)."""
    from . import mail, notify

    if not mail.enabled(current_app.config):
        click.echo("メール送信は無効です（CONSULT_MAIL_SERVER が未設定）。")
        return
    sent = notify.send_pending(limit=limit)
    click.echo(f"{sent}件のメールを送信しました（未送信 {notify.pending_count()}件）。")


def init_app(app: Flask) -> None:
    """Register the `mail` command group."""
    app.cli.add_command(mail_cli)
