"""The index never misses a case: outbox after commit, repair after a crash, several processes."""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult.search import query, sync
from models import Case, db
from tests.factories import make_case

ROOT = Path(__file__).resolve().parents[2]


def _refs(text):
    """Refs found for text in the app's index."""
    return [h.ref for h in query.search(sync.get_index(), text, limit=20, facets=False).hits]


def test_enqueue_then_drain_indexes_published_case(app):
    """A published case is searchable after drain; a draft is not."""
    sync.get_index()  # an index that follows the log (a missing one is rebuilt, not followed)
    make_case(ref="S-1", title="押印廃止の進め方", status="published")
    make_case(ref="S-2", title="押印欄の削除（下書き）", status="draft")
    sync.enqueue("S-1")
    sync.enqueue("S-2")
    db.session.commit()
    assert sync.drain() == 2
    assert _refs("押印") == ["S-1"]
    assert sync.pending_count() == 0


def test_archiving_removes_from_index(app):
    """An archived case disappears from search on the next drain."""
    case = make_case(ref="S-3", title="会議録の自動作成", status="published")
    sync.enqueue("S-3")
    db.session.commit()
    sync.drain()
    assert _refs("会議録") == ["S-3"]
    case.status = "archived"
    sync.enqueue("S-3")
    db.session.commit()
    sync.drain()
    assert _refs("会議録") == []


def test_crash_between_commit_and_index_is_repaired(app, runner):
    """A commit whose process died before indexing is applied by the next command."""
    sync.get_index()
    make_case(ref="S-4", title="災害報告のオンライン化", status="published")
    sync.enqueue("S-4")
    db.session.commit()  # … and the process "dies" here: no drain
    assert _refs("災害報告") == []
    result = runner.invoke(args=["search", "query", "災害報告", "--json"])
    assert result.exit_code == 0, result.output
    assert [r["ref"] for r in json.loads(result.output)] == ["S-4"]


def test_busy_index_keeps_outbox(app):
    """When another process holds the write lock, the outbox row stays for later."""
    sync.get_index()
    make_case(ref="S-5", title="問い合わせFAQの整備", status="published")
    sync.enqueue("S-5")
    db.session.commit()
    ix = sync.get_index()
    holder = ix.writer()
    try:
        assert sync.drain(timeout=0.2) == 0
        assert sync.pending_count() == 1
    finally:
        holder.cancel()
    assert sync.drain() == 1
    assert _refs("FAQ") == ["S-5"]


def test_reindex_rebuilds_from_database(app, runner):
    """`search reindex` rebuilds everything and clears the outbox."""
    for i in range(5):
        make_case(ref=f"R-{i}", title=f"RPAで転記を自動化 その{i}", status="published")
    sync.enqueue("R-0")
    db.session.commit()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "5件" in result.output
    assert sorted(_refs("RPA")) == [f"R-{i}" for i in range(5)]
    assert sync.pending_count() == 0


def test_query_batch_one_line_per_query(app, runner):
    """--batch prints one JSON array per input line, in order; blank and odd lines never fail."""
    make_case(ref="B-1", title="エクセルの集計を自動化", status="published")
    make_case(ref="B-2", title="議事録作成に生成AIを使う", status="published")
    sync.enqueue("B-1")
    sync.enqueue("B-2")
    db.session.commit()
    result = runner.invoke(args=["search", "query", "--batch", "--limit", "3"], input='Excel 集計\n\n議事録\n"unbalanced (AND OR*\n')
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.strip().splitlines()]
    assert len(lines) == 4
    assert lines[0][0] == "B-1" and lines[1] == [] and lines[2][0] == "B-2"


WORKER = textwrap.dedent(
    """
    import sys
    from consult import create_app
    from consult.search import sync
    from models import Case, db
    from tests.conftest import make_config
    from pathlib import Path

    url, tmp, prefix, n = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    app = create_app(make_config(url, tmp, CONSULT_SEARCH_INDEX=str(tmp / "shared_index")))
    with app.app_context():
        for i in range(n):
            db.session.add(Case(ref=f"{prefix}-{i}", title=f"並行して公開した事例 {prefix} {i}", status="published"))
            sync.enqueue(f"{prefix}-{i}")
            db.session.commit()
            sync.drain(timeout=30)
        db.engine.dispose()
    """
)


@pytest.mark.slow
def test_several_processes_lose_nothing(app, database_url, tmp_path):
    """Four processes publishing at once: every case ends up in the index exactly once."""
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, database_url, str(tmp_path), f"P{p}", "8"], cwd=ROOT)
        for p in range(4)
    ]
    for proc in procs:
        assert proc.wait(timeout=240) == 0
    app.config["CONSULT_SEARCH_INDEX"] = str(tmp_path / "shared_index")
    sync.forget_index()
    sync.drain()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 32
    searcher = sync.get_index().searcher()
    try:
        refs = sorted(doc["ref"] for doc in searcher.all_stored_fields())
    finally:
        searcher.close()
    assert refs == sorted(f"P{p}-{i}" for p in range(4) for i in range(8))
    assert sync.pending_count() == 0


def test_outdated_index_is_rebuilt_from_database(app):
    """An index written with an older schema is rebuilt automatically, not an error page."""
    from whoosh import index as windex
    from whoosh.fields import ID, Schema

    make_case(ref="O-1", title="古い索引からの移行", status="published")
    sync.forget_index()
    path = sync.index_path()
    import os
    import shutil

    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    windex.create_in(path, Schema(ref=ID(stored=True, unique=True)))
    assert _refs("移行") == ["O-1"]
