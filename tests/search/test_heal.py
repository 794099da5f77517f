"""/healthz tells the truth about this host's index, and a broken index heals itself."""
import glob
import os
import shutil
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from consult.core.config import ConfigError
from consult.search import index, location, query, sync
from models import IndexOutbox, db, utcnow
from tests.factories import make_case

ROOT = Path(__file__).resolve().parents[2]


def _publish(*refs, title="押印廃止の進め方"):
    for ref in refs:
        make_case(ref=ref, title=f"{title} {ref}", status="published")
        sync.enqueue(ref)
    db.session.commit()
    sync.drain()


def _refs(text):
    return sorted(h.ref for h in sync.guarded(lambda ix: query.search(ix, text, limit=50, facets=False)).hits)


def test_healthz_reports_position_lag_and_counts(app, client):
    sync.get_index()
    _publish("H-1", "H-2")
    body = client.get("/healthz").json
    assert body["status"] == "ok"
    search = body["checks"]["search"]
    assert search["position"] == 2 and search["lag_seconds"] == 0
    assert search["index_documents"] == search["db_published"] == 2


def test_healthz_503_when_behind_the_log(app, client):
    """A host that cannot apply the log for more than 60 s says so."""
    sync.get_index()
    make_case(ref="B-1", title="会議録の自動作成", status="published")
    db.session.add(IndexOutbox(case_ref="B-1", created_at=utcnow() - timedelta(seconds=90)))
    db.session.commit()
    with sync.host_lock(1):  # another process of this host is stuck holding the index
        response = client.get("/healthz")
    assert response.status_code == 503
    assert "behind" in response.json["checks"]["index"]
    assert response.json["checks"]["search"]["lag_seconds"] >= 89
    assert client.get("/healthz").status_code == 200  # the next request caught up


def test_healthz_503_when_counts_disagree_then_heals(app, client):
    sync.get_index()
    _publish("C-1", "C-2")
    index.delete_cases(sync.get_index(), ["C-1"])  # the index lost a document
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "documents" in response.json["checks"]["index"]
    assert sync.verify() is not None  # the follower's check rebuilds it
    assert client.get("/healthz").status_code == 200
    assert _refs("押印") == ["C-1", "C-2"]


def test_index_deleted_while_running_is_rebuilt(app, client):
    """Deleting search_index/ used to leave an empty index that stayed empty."""
    _publish("D-1", "D-2")
    shutil.rmtree(sync.index_path())
    assert _refs("押印") == ["D-1", "D-2"]
    assert client.get("/healthz").status_code == 200


def test_index_emptied_while_running_is_rebuilt(app):
    _publish("E-1")
    path = sync.index_path()
    shutil.rmtree(path)
    index.open_index(path)  # someone created an empty index in its place (no position)
    assert _refs("押印") == ["E-1"]


HEAL_SCRIPT = textwrap.dedent(
    """
    import glob, os, sys
    from pathlib import Path
    from consult import create_app
    from consult.search import query, sync
    from models import Case, db
    from tests.conftest import make_config

    url, tmp = sys.argv[1], Path(sys.argv[2])
    app = create_app(make_config(url, tmp))
    with app.app_context():
        for i in range(30):
            db.session.add(Case(ref=f"T-{i}", title=f"押印廃止の進め方 {i}", status="published"))
            sync.enqueue(f"T-{i}")
        db.session.commit()
        sync.drain()
        search = lambda ix: query.search(ix, "押印", limit=50, facets=False)
        assert len(sync.guarded(search).hits) == 30
        for seg in glob.glob(os.path.join(sync.index_path(), "*.seg")):
            size = os.path.getsize(seg)
            with open(seg, "r+b") as fh:
                fh.truncate(size // 3)
        # the same (open) searcher reads the truncated file: other terms, stored fields
        search = lambda ix: query.search(ix, "進め方 押印廃止", limit=50, facets=True)
        hits = sync.guarded(search).hits
        [h.snippet_html for h in hits]
        print("HITS", len(hits))
        from consult.search import index
        index.close_all()
        db.session.remove()
        db.engine.dispose()
    """
)


def test_truncated_segment_never_kills_the_process(app, database_url, tmp_path):
    """With mmap, reading a truncated segment killed the worker with SIGBUS; now it rebuilds."""
    proc = subprocess.run([sys.executable, "-c", HEAL_SCRIPT, database_url, str(tmp_path / "p")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "HITS 30" in proc.stdout


def test_segments_are_not_memory_mapped(app):
    _publish("M-1")
    assert sync.get_index().storage.supports_mmap is False
    assert glob.glob(os.path.join(sync.index_path(), "*.seg"))


def test_index_on_network_file_system_is_refused(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text("/dev/sda1 / ext4 rw 0 0\nnas:/export /srv/nas nfs4 rw 0 0\n")
    config = {"CONSULT_SEARCH_INDEX": "/srv/nas/consult/search_index"}
    assert location.fs_type(config["CONSULT_SEARCH_INDEX"], str(mounts)) == "nfs4"
    with pytest.raises(ConfigError, match="ネットワーク"):
        location.check(config, str(mounts))
    location.check({**config, "CONSULT_SEARCH_INDEX_ALLOW_NETWORK_FS": True}, str(mounts))
    location.check({"CONSULT_SEARCH_INDEX": "/var/lib/consult/search_index"}, str(mounts))


def test_gunicorn_worker_loads_the_search_before_its_first_request(app):
    """post_worker_init (gunicorn.conf.py) opens the index and loads Sudachi and the related-word table."""
    import runpy
    import types

    from consult.search.state import search_state

    search_state.forget_resources()
    conf = runpy.run_path(os.path.join(os.path.dirname(__file__), "..", "..", "gunicorn.conf.py"))
    conf["post_worker_init"](types.SimpleNamespace(wsgi=app))
    assert search_state.resources["vectors"]["words"]
    assert os.path.abspath(app.config["CONSULT_SEARCH_INDEX"]) in search_state.searchers
