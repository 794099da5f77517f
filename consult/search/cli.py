"""`flask --app app search reindex | query | sync` (stable interface, see ARCHITECTURE.md)."""
import json
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from . import query, sync

search_cli = AppGroup("search", help="事例の検索索引を操作します。")


@search_cli.command("reindex")
def reindex_command():
    """Rebuild the index from the database, with a progress bar."""
    from sqlalchemy import func, select

    from models import Case, db

    total = db.session.scalar(select(func.count()).select_from(Case).where(Case.status == "published"))
    with click.progressbar(length=total, label="索引を再構築しています", file=sys.stderr) as bar:
        done = {"n": 0}

        def progress(count):
            bar.update(count - done["n"])
            done["n"] = count

        count = sync.reindex(progress=progress)
    click.echo(f"{count}件の公開事例を索引に登録しました")


@search_cli.command("sync")
def sync_command():
    """Apply pending index updates from the outbox."""
    click.echo(f"{sync.drain()}件を索引に反映しました")


@search_cli.command("follow")
@click.option("--once", is_flag=True, help="1回だけ反映して終了する")
def follow_command(once):
    """Follow the index log on this host (a systemd service per host, see docs/deploy.md)."""
    if once:
        click.echo(f"{sync.drain()}件を索引に反映しました")
        return
    click.echo(f"索引の更新を追いかけています（{sync.index_path()}、Ctrl+C で終了）", err=True)
    try:
        sync.follow_forever()
    except KeyboardInterrupt:
        pass


@search_cli.command("status")
def status_command():
    """Print this host's log position, lag and counts as JSON."""
    click.echo(json.dumps(sync.status(), ensure_ascii=False, default=str))


@search_cli.command("prune")
@click.option("--retain-hours", type=float, default=None, help="これより新しい行は残す（既定 24 時間）")
def prune_command(retain_hours):
    """Delete index-log rows that every live host has applied (once per cluster)."""
    click.echo(f"{sync.prune_log(retain_hours)}行の索引ログを削除しました")


@search_cli.command("query")
@click.argument("text", required=False)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200), help="表示する件数")
@click.option("--json", "as_json", is_flag=True, help="JSONで出力する")
@click.option("--batch", is_flag=True, help="標準入力の1行を1クエリとして、行ごとにJSON配列（事例ID）を出力する")
def query_command(text, limit, as_json, batch):
    """Print the best published cases for TEXT (or for each stdin line with --batch)."""
    sync.drain()
    ix = sync.get_index()
    if batch:
        if text:
            raise click.UsageError("--batch と TEXT は同時に指定できません")
        for line in sys.stdin:
            line = line.rstrip("\r\n")
            refs = [h.ref for h in query.search(ix, line, limit=limit, facets=False).hits] if line.strip() else []
            click.echo(json.dumps(refs, ensure_ascii=False))
        return
    if not text:
        raise click.UsageError("検索する TEXT を指定してください（または --batch）")
    hits = query.search(ix, text, limit=limit, facets=False).hits
    if as_json:
        click.echo(json.dumps([{"ref": h.ref, "title": h.title, "department": h.department, "score": round(h.score, 4)} for h in hits], ensure_ascii=False))
        return
    if not hits:
        click.echo("該当する事例はありません")
    for rank, h in enumerate(hits, 1):
        click.echo(f"{rank:>2}. {h.ref}\t{h.title}\t({h.department})")


def _prune_job():
    """Periodic (`jobs run`): index-log rows every live host has applied, older than the retention."""
    return f"{sync.prune_log()} log rows pruned"


def init_app(app: Flask) -> None:
    """Register the search commands (and the log pruning job)."""
    from consult.ops import jobs

    app.cli.add_command(search_cli)
    jobs.register("search-prune-log", "全ホストが反映済みの索引ログを削除する")(_prune_job)
