"""`flask --app app backup PATH`, `restore PATH`, `attachments sweep` and `attachments to-database`."""

import click
from flask import Flask

from consult.core.clitools import domain_errors_fail, fail

from . import backup as backups
from . import sweep as sweeps


@click.command("backup")
@click.argument("path")
@domain_errors_fail
def backup_command(path):
    """Back up the database and attachments into the directory PATH."""
    manifest = backups.create_backup(path)
    rows = sum(manifest["tables"].values())
    click.echo(f"バックアップしました: {path}（{manifest['kind']}, {rows}行）")


@click.command("restore")
@click.argument("path")
@click.option("--force", is_flag=True, help="空でないデータベースにも上書きで復元する")
@domain_errors_fail
def restore_command(path, force):
    """Restore a backup made by `backup` into this instance and rebuild the search index."""
    manifest = backups.restore_backup(path, force=force)
    click.echo(f"復元しました: {path}（{manifest['created_at']} 時点）。検索索引を再構築しました")
    reapplied = manifest.get("reapplied_disposals") or []
    click.echo(f"廃棄簿に基づいて再び廃棄した記録: {len(reapplied)}件 {' '.join(reapplied)}".rstrip())


@click.group("attachments")
def attachments_group():
    """Attachment store maintenance."""


@attachments_group.command("sweep")
@click.option("--older-than", "hours", type=click.FloatRange(min=1), default=24, show_default=True,
              help="対象にする経過時間（時間）。処理中の登録を巻き込まないよう1時間以上")
@click.option("--dry-run", is_flag=True, help="一覧を表示するだけで削除しない")
def sweep_command(hours, dry_run):
    """Remove attachment files that no record refers to (left by a worker killed mid-request)."""
    from . import cluster

    with cluster.once("job:attachments-sweep") as mine:
        if not mine:
            click.echo("ほかのホストで実行中のため、何もしませんでした")
            return
        _sweep(hours, dry_run)


def _sweep(hours, dry_run):
    orphans = sweeps.find_orphans(hours)
    for orphan in orphans:
        click.echo(f"{orphan.path}\t{orphan.size} bytes\t{orphan.age_hours:.0f} h")
    if dry_run:
        click.echo(f"記録のない添付ファイル: {len(orphans)}件（削除していません）")
        return
    removed = sweeps.remove(orphans)
    click.echo(f"記録のない添付ファイルを{removed}件削除しました")


@attachments_group.command("to-database")
@click.option("--dry-run", is_flag=True, help="確認だけ行い、データベースには書き込まない")
def to_database_command(dry_run):
    """Copy attachment files of the filesystem store into the database store (idempotent, sha256-checked)."""
    from consult.tickets import store

    from . import cluster

    if store.kind() != "database":
        fail("添付ファイルの保存先がデータベースではありません。CONSULT_ATTACHMENT_STORE=database にしてから実行してください。")
    with cluster.once("attachments-to-database") as mine:
        if not mine:
            fail("ほかのホストで実行中です。終わってからもう一度実行してください。")
        report = store.migrate_files_to_database(dry_run=dry_run)
    for att in report.missing:
        click.echo(f"ファイルが見つかりません: 添付 {att.id}（{att.original_name}）", err=True)
    for att in report.mismatched:
        click.echo(f"内容が記録と一致しません（sha256）: 添付 {att.id}（{att.original_name}）", err=True)
    verb = "移行できます" if dry_run else "移行しました"
    click.echo(f"{verb}: {report.moved}件、移行済み: {report.already}件、ファイルなし: {len(report.missing)}件、"
               f"内容の不一致: {len(report.mismatched)}件" + ("（確認のみ・書き込んでいません）" if dry_run else ""))
    if not report.ok:
        raise SystemExit(1)


def _sweep_job():
    """Periodic sweep (`jobs run`): orphan attachment files older than 24 h, once per cluster."""
    return f"{sweeps.remove(sweeps.find_orphans(24))} files removed"


def init_app(app: Flask) -> None:
    """Register the commands."""
    from . import jobs

    jobs.register("attachments-sweep", "記録のない添付ファイルの削除")(_sweep_job)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(attachments_group)
