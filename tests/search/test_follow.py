"""Each host follows the index log with its own position (in-process: two apps, two index dirs)."""
import json
import os
import time

import pytest
from sqlalchemy import select

from consult import create_app
from consult.search import index, query, sync
from consult.search.state import search_state
from models import Case, IndexOutbox, SearchHost, db
from tests.conftest import FreshContextClient, make_config
from tests.factories import make_case


def _refs(text):
    return sorted(h.ref for h in query.search(sync.get_index(), text, limit=50, facets=False).hits)


@pytest.fixture
def host_b(app, tmp_path):
    """A second host on the same database: its own index and instance directories."""
    other = create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "b"))
    other.test_client_class = FreshContextClient
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_two_hosts_both_follow_the_log(app, host_b):
    """A publish applied on host A is still applied on host B (no host marks rows done for others)."""
    sync.get_index()
    other = host_b
    with other.app_context():
        sync.get_index()
    make_case(ref="H-1", title="押印廃止の進め方", status="published")
    sync.enqueue("H-1")
    db.session.commit()
    assert sync.drain() == 1
    assert _refs("押印") == ["H-1"]
    with other.app_context():
        assert _refs("押印") == []  # B has not followed yet
        assert sync.drain() == 1
        assert _refs("押印") == ["H-1"]
        assert sync.drain() == 0  # idempotent: nothing new
        db.session.remove()
    case = db.session.scalar(select(Case).where(Case.ref == "H-1"))
    case.status = "archived"
    sync.enqueue("H-1", "delete")
    db.session.commit()
    sync.drain()
    with other.app_context():
        search_state.last["catch_up"] = 0.0  # the per-process catch-up is due (at most once a second)
        other.test_client().get("/login")  # a request catches up on B
        assert _refs("押印") == []
        db.session.remove()
    hosts = {h.host_id: h.position for h in db.session.scalars(select(SearchHost))}
    assert len(hosts) == 2 and set(hosts.values()) == {2}


def test_position_is_stored_in_the_index_directory(app):
    sync.get_index()
    make_case(ref="P-1", title="議事録の自動作成", status="published")
    sync.enqueue("P-1")
    db.session.commit()
    sync.drain()
    with open(os.path.join(sync.index_path(), sync.POSITION_FILE)) as fh:
        assert json.load(fh)["max_seen"] == 1


def test_position_advances_only_across_contiguous_ids(app):
    """A missing id (a transaction not yet committed) holds the position back until it appears
    or times out; rows after it are applied at once."""
    sync.get_index()
    make_case(ref="G-1", title="電子決裁の導入", status="published")
    make_case(ref="G-3", title="電子申請の導入", status="published")
    db.session.add(IndexOutbox(id=1, case_ref="G-1"))
    db.session.add(IndexOutbox(id=3, case_ref="G-3"))
    db.session.commit()
    sync.drain()
    assert _refs("導入") == ["G-1", "G-3"]
    state = sync.read_state()
    assert state["max_seen"] == 3 and list(state["gaps"]) == [2] and sync.position_of(state) == 1
    make_case(ref="G-2", title="電子契約の導入", status="published")
    db.session.add(IndexOutbox(id=2, case_ref="G-2"))  # the late transaction commits
    db.session.commit()
    assert sync.drain() == 1
    assert _refs("導入") == ["G-1", "G-2", "G-3"]
    assert sync.position_of(sync.read_state()) == 3


def test_old_gap_counts_as_rolled_back(app):
    sync.get_index()
    app.config["CONSULT_SEARCH_GAP_TIMEOUT"] = 300
    make_case(ref="R-5", title="文書管理の電子化", status="published")
    db.session.add(IndexOutbox(id=5, case_ref="R-5"))
    db.session.commit()
    sync.drain()
    assert sync.position_of(sync.read_state()) == 0 and sorted(sync.read_state()["gaps"]) == [1, 2, 3, 4]
    app.config["CONSULT_SEARCH_GAP_TIMEOUT"] = 0.01  # ids 1-4 never appear: rolled back
    time.sleep(0.05)
    sync.drain()
    assert sync.position_of(sync.read_state()) == 5 and sync.read_state()["gaps"] == {}


def test_reindex_loses_no_change_committed_during_the_build(app, monkeypatch):
    """A change committed while the index is built aside is applied after the swap."""
    for i in range(3):
        make_case(ref=f"X-{i}", title=f"RPAで転記を自動化 {i}", status="published")
        sync.enqueue(f"X-{i}")
    db.session.commit()
    sync.drain()
    original = index.rebuild

    def rebuild_with_concurrent_publish(*args, **kwargs):
        from sqlalchemy.orm import Session

        with Session(db.engine) as other:  # another request commits during the build
            other.add(Case(ref="X-late", title="RPAで転記を自動化 遅れて公開", status="published"))
            other.add(IndexOutbox(case_ref="X-late"))
            other.commit()
        return original(*args, **kwargs)

    monkeypatch.setattr(index, "rebuild", rebuild_with_concurrent_publish)
    sync.reindex()
    assert _refs("RPA") == ["X-0", "X-1", "X-2", "X-late"]
    assert sync.pending_count() == 0


def test_host_behind_the_pruned_log_rebuilds_itself(app, host_b):
    sync.get_index()
    other = host_b
    with other.app_context():
        sync.get_index()
        sync.drain()
        db.session.execute(SearchHost.__table__.delete())  # B went away long ago: not live
        db.session.commit()
        db.session.remove()
    for i in range(4):
        make_case(ref=f"L-{i}", title=f"窓口予約のオンライン化 {i}", status="published")
        sync.enqueue(f"L-{i}")
        db.session.commit()
    sync.drain()
    assert sync.prune_log(retain_hours=0) == 3  # the newest row is always kept
    assert db.session.scalar(select(SearchHost.position).where(SearchHost.host_id == sync.PRUNED)) == 3
    with other.app_context():
        sync.drain()  # position 0 < pruned 3: rebuilds from the database
        assert _refs("窓口予約") == [f"L-{i}" for i in range(4)]
        assert sync.position_of(sync.read_state()) == 4
        db.session.remove()


def test_prune_keeps_rows_a_live_host_still_needs(app, host_b):
    sync.get_index()
    other = host_b
    with other.app_context():
        sync.get_index()
        sync.drain()
        db.session.remove()
    for i in range(3):
        make_case(ref=f"K-{i}", title=f"庁内照会の集約 {i}", status="published")
        sync.enqueue(f"K-{i}")
        db.session.commit()
    sync.drain()
    assert sync.prune_log(retain_hours=0) == 0  # B (position 0) has applied nothing yet
    with other.app_context():
        sync.drain()
        db.session.remove()
    assert sync.prune_log(retain_hours=0) == 2


def test_restored_database_older_than_position_rebuilds(app):
    sync.get_index()
    make_case(ref="Z-1", title="公用車の予約", status="published")
    sync.enqueue("Z-1")
    db.session.commit()
    sync.drain()
    state = sync.read_state()
    state["max_seen"] = 99  # the log went back (a restore)
    sync.write_state(sync.index_path(), state)
    sync.drain()
    assert sync.read_state()["max_seen"] == 1
    assert _refs("公用車") == ["Z-1"]


pg_only = pytest.mark.skipif(not os.environ.get("CONSULT_TEST_DATABASE_URL"), reason="PostgreSQL only")


@pg_only
def test_gap_of_a_transaction_open_longer_than_the_timeout_is_not_skipped(app):
    """A transaction that took a log id and stays open past the gap timeout: the gap is kept while it runs (other
    rows are applied meanwhile), and its change is applied when it commits."""
    from sqlalchemy.orm import Session

    sync.get_index()
    app.config["CONSULT_SEARCH_GAP_TIMEOUT"] = 0.01
    make_case(ref="T-held", title="電子申請の審査を短縮", status="draft")
    db.session.commit()
    held = Session(db.engine)  # another request, slow to commit
    held.get(Case, db.session.scalar(select(Case.id).where(Case.ref == "T-held"))).status = "published"
    held.add(IndexOutbox(case_ref="T-held"))
    held.flush()  # takes log id 1 and keeps the transaction open
    try:
        make_case(ref="T-next", title="電子申請の受付を自動化", status="published")
        sync.enqueue("T-next")
        db.session.commit()  # log id 2, visible before id 1
        sync.drain()
        assert _refs("電子申請") == ["T-next"]
        time.sleep(0.05)
        sync.drain()  # id 1 is older than the timeout, but its transaction still runs
        state = sync.read_state()
        assert list(state["gaps"]) == [1] and state["held"][1] and sync.position_of(state) == 0
        assert sync.status()["gaps_held"] == 1
        held.commit()
    finally:
        held.close()
    assert sync.drain() == 1
    assert _refs("電子申請") == ["T-held", "T-next"]
    assert sync.position_of(sync.read_state()) == 2 and sync.read_state()["gaps"] == {}


@pg_only
def test_follower_is_woken_by_notify_not_by_its_poll(app):
    """With LISTEN/NOTIFY the follower applies a commit at once, long before its next poll."""
    import threading

    from sqlalchemy.orm import Session

    sync.get_index()
    app.config.update(CONSULT_SEARCH_LISTEN_FALLBACK=60, CONSULT_SEARCH_VERIFY_EVERY=60)
    stop, ready = threading.Event(), threading.Event()
    original = sync.Listener.start

    def start(listener):
        listening = original(listener)
        ready.set()
        return listening

    def follower():
        with app.app_context():
            sync.Listener.start = start
            try:
                sync.follow_forever(stop=stop, every=60)  # polling alone would take a minute
            finally:
                sync.Listener.start = original
                db.session.remove()

    thread = threading.Thread(target=follower, daemon=True)
    thread.start()
    try:
        assert ready.wait(10)
        time.sleep(0.3)  # the follower's first step is done; it waits for a notification
        with Session(db.engine) as other:  # another host commits a publish
            other.add(Case(ref="N-1", title="通知で起きる追従", status="published"))
            other.add(IndexOutbox(case_ref="N-1"))
            other.commit()
        start_wait = time.monotonic()
        while _index_refs() != {"N-1"}:
            assert time.monotonic() - start_wait < 3, "the follower was not woken by NOTIFY"
            time.sleep(0.02)
    finally:
        stop.set()
        with Session(db.engine) as other:  # wake it so that it sees the stop
            other.add(IndexOutbox(case_ref="N-1"))
            other.commit()
        thread.join(10)
    assert not thread.is_alive()


def _index_refs() -> set[str]:
    ix = index.open_index(sync.index_path(), create=False)
    with ix.reader() as reader:
        return {f["ref"] for f in reader.all_stored_fields()}
