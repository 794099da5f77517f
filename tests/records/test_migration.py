"""The migration that lets disposal remove the requester: SQLite's stored schema is edited safely, both ways."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from consult import create_app
from models import db
from tests.conftest import make_config
from tests.factories import make_ticket

REVISION, PARENT = "19a1b2c3d4e5", "e17a5c0b3d21"


def _not_null(conn, table: str, column: str) -> bool:
    """Whether SQLite reports NOT NULL on the column."""
    return {r[1]: bool(r[3]) for r in conn.execute(text(f"PRAGMA table_info({table})"))}[column]


@pytest.mark.slow
def test_sqlite_requester_becomes_nullable_and_back(tmp_path):
    """Upgrade drops NOT NULL (integrity check ok, keyword index still kept); downgrade puts it back."""
    app = create_app(make_config(f"sqlite:///{tmp_path / 'm.sqlite3'}", tmp_path))
    with app.app_context():
        upgrade(revision=PARENT)
        with db.engine.connect() as conn:
            assert _not_null(conn, "tickets", "requester_id") and _not_null(conn, "ticket_satisfaction", "user_id")
        upgrade(revision=REVISION)
        db.engine.dispose()
        ticket = make_ticket(title="照合の相談")
        ticket.requester = None
        ticket.requester_id = None
        db.session.commit()
        db.session.remove()
        with db.engine.begin() as conn:
            assert not _not_null(conn, "tickets", "requester_id")
            assert not _not_null(conn, "ticket_satisfaction", "user_id")
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(text("SELECT requester_id FROM tickets")).all() == [(None,)]
            match = "SELECT count(*) FROM tickets_chars WHERE tickets_chars MATCH '\"7167 5408\"'"  # 照合
            assert conn.execute(text(match)).scalar() == 1  # the trigger-kept keyword index still follows the row
            conn.execute(text("UPDATE tickets SET title = '（保存期間満了により廃棄済み）'"))
            assert conn.execute(text(match)).scalar() == 0
            conn.execute(text("DELETE FROM tickets"))
        downgrade(revision=PARENT)
        db.engine.dispose()
        with db.engine.connect() as conn:
            assert _not_null(conn, "tickets", "requester_id") and _not_null(conn, "ticket_satisfaction", "user_id")
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        db.engine.dispose()
