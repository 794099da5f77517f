"""Command-line interface (stable; see ARCHITECTURE.md): departments, users, seed-demo."""
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from . import accounts
from .core.clitools import domain_errors_fail, fail

departments_cli = AppGroup("departments", help="所属を管理します。")
users_cli = AppGroup("users", help="利用者を管理します。")



@departments_cli.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--parent", "parent_code", default=None, help="親の所属（部局）のコード")
@domain_errors_fail
def departments_add(code, name, parent_code):
    """Add a department (所属); an existing CODE is an error."""
    dept = accounts.add_department(code, name, parent_code)
    click.echo(f"所属を追加しました: {dept.code} {dept.full_name}")


@users_cli.command("create")
@click.argument("login")
@click.option("--name", required=True, help="氏名")
@click.option("--role", required=True, help="requester, dx_staff, admin のいずれか")
@click.option("--department", "department_code", default=None, help="所属コード")
@click.option("--email", default=None, help="メールアドレス")
@click.option("--password-stdin", is_flag=True, help="パスワードを標準入力の1行目から読む")
@domain_errors_fail
def users_create(login, name, role, department_code, email, password_stdin):
    """Add a user; the password is the first line of stdin."""
    if not password_stdin:
        fail("--password-stdin を指定し、パスワードを標準入力から渡してください")
    password = sys.stdin.readline().rstrip("\r\n")
    user = accounts.create_user(login, name=name, role=role, department_code=department_code, email=email, password=password)
    click.echo(f"利用者を追加しました: {user.login} ({user.role_label})")


@users_cli.command("set-role")
@click.argument("login")
@click.argument("role")
@domain_errors_fail
def users_set_role(login, role):
    """Change a user's role."""
    user = accounts.set_role(login, role)
    click.echo(f"{user.login} の役割を {user.role_label} にしました")


@users_cli.command("deactivate")
@click.argument("login")
@domain_errors_fail
def users_deactivate(login):
    """Deactivate a user (nothing is deleted)."""
    user = accounts.deactivate(login)
    click.echo(f"{user.login} を無効にしました")
    from .desk.reassign import open_tickets_of

    held = open_tickets_of(user)
    if held:  # never orphaned silently: say which tickets need a new handler
        click.echo(f"注意: 対応中の相談{len(held)}件の担当のままです（{'、'.join(t.number for t in held[:10])}"
                   f"{' ほか' if len(held) > 10 else ''}）。管理画面の「担当を付け替えて無効にする」で付け替えてください", err=True)


@click.command("seed-demo")
def seed_demo():
    """Load demo departments, users, tickets and cases (idempotent)."""
    from .demo import seed

    summary = seed.run(echo=click.echo)
    click.echo(summary)


def init_app(app: Flask) -> None:
    """Register the commands on the app."""
    app.cli.add_command(departments_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo)
    from .cases import cli as cases_cli

    cases_cli.init_app(app)
    from .ops import cli as ops_cli

    ops_cli.init_app(app)
    from . import mail_cli
    mail_cli.init_app(app)
    from .records import cli as records_cli

    records_cli.init_app(app)
    from .directory import cli as directory_cli
    directory_cli.init_app(app)
    from .identity import cli as identity_cli
    identity_cli.init_app(app)
    from .jobs import cli as jobs_cli

    jobs_cli.init_app(app)
    from .reports import cli as reports_cli

    reports_cli.init_app(app)
    try:
        from .search import cli as search_cli
    except ImportError:  # the search package may not be wired yet
        return
    search_cli.init_app(app)
