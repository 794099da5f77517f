"""Backup and restore: a backup restored into an empty instance has every row of every table."""
import os
import uuid

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from consult import create_app
from consult.search import query, sync
from models import db
from tests.conftest import make_config
from tests.factories import make_case, make_comment, make_ticket, make_user


def _all_rows() -> dict:
    """Every row of every model table, as sorted tuples."""
    out = {}
    for table in db.metadata.sorted_tables:
        if table.name == "search_hosts":  # each host's heartbeat, rewritten by the restored host itself
            continue
        rows = db.session.execute(select(table)).all()
        out[table.name] = sorted(tuple(repr(v) for v in row) for row in rows)
    return out


def _empty_database(tmp_path):
    """A URL of an empty database of the same kind as the test database."""
    pg = os.environ.get("CONSULT_TEST_DATABASE_URL")
    if not pg:
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}", None
    name = f"consult_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(pg).set(database=name).render_as_string(hide_password=False), (admin, name)


@pytest.mark.slow
def test_backup_then_restore_into_empty_instance(app, runner, tmp_path):
    """Every table compares equal after restore, attachments come back, the index is rebuilt."""
    staff = make_user("dx9", role="dx_staff")
    ticket = make_ticket(title="紙の申請書を電子化したい")
    make_comment(ticket, staff, body="内部メモです", internal=True)
    make_case(ref="BK-1", title="申請書の電子化でやり取りを短縮")
    attachments = tmp_path / "attachments"
    attachments.mkdir(exist_ok=True)
    (attachments / "abc123").write_bytes(b"%PDF-1.4 test")  # filesystem store
    from models import AttachmentBlob

    db.session.add(AttachmentBlob(stored_name="d" * 64, data=b"%PDF-1.4 in the database"))  # database store
    db.session.commit()
    before = _all_rows()

    result = runner.invoke(args=["backup", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "bk" / "manifest.json").is_file()
    again = runner.invoke(args=["backup", str(tmp_path / "bk")])
    assert again.exit_code != 0 and "空ではありません" in again.output

    url, cleanup = _empty_database(tmp_path)
    restored_dir = tmp_path / "restored"
    restored = create_app(make_config(url, restored_dir))
    try:
        with restored.app_context():
            if url.startswith("sqlite"):
                pass  # the file does not exist yet: restore creates it
            result = restored.test_cli_runner().invoke(args=["restore", str(tmp_path / "bk")])
            assert result.exit_code == 0, result.output
            assert _all_rows() == before
            assert (restored_dir / "attachments" / "abc123").read_bytes() == b"%PDF-1.4 test"
            hits = query.search(sync.get_index(), "申請書 電子化", facets=False).hits
            assert [h.ref for h in hits] == ["BK-1"]
            refused = restored.test_cli_runner().invoke(args=["restore", str(tmp_path / "bk")])
            assert refused.exit_code != 0 and "空ではありません" in refused.output
            db.session.remove()
            db.engine.dispose()
    finally:
        if cleanup:
            admin, name = cleanup
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def test_restore_missing_backup_is_clear(runner, tmp_path):
    """A path without a backup gives one clear line and a non-zero exit."""
    result = runner.invoke(args=["restore", str(tmp_path / "nothing")])
    assert result.exit_code != 0 and "manifest.json" in result.output
