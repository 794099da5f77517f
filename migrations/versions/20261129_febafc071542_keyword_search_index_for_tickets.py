"""keyword search index for tickets

SQLite only: an FTS5 trigram table over tickets(number, title, purpose, problem) with triggers that keep it
in sync (the same DDL as consult/desk/search_sql.py, which tests/conftest.py uses since the test schema comes
from create_all; copied here so this migration never changes when the module does). PostgreSQL needs nothing.

Revision ID: febafc071542
Revises: 563041dfe512
Create Date: 2026-11-29 10:44:13.770213

"""
import sqlite3

from alembic import op

# revision identifiers, used by Alembic.
revision = 'febafc071542'
down_revision = '563041dfe512'
branch_labels = None
depends_on = None

_SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS tickets_fts USING fts5(number, title, purpose, problem, "
    "content='tickets', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS tickets_fts_ai AFTER INSERT ON tickets BEGIN "
    "INSERT INTO tickets_fts(rowid, number, title, purpose, problem) "
    "VALUES (new.id, new.number, new.title, new.purpose, new.problem); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_fts_ad AFTER DELETE ON tickets BEGIN "
    "INSERT INTO tickets_fts(tickets_fts, rowid, number, title, purpose, problem) "
    "VALUES ('delete', old.id, old.number, old.title, old.purpose, old.problem); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_fts_au AFTER UPDATE OF id, number, title, purpose, problem ON tickets "
    "BEGIN INSERT INTO tickets_fts(tickets_fts, rowid, number, title, purpose, problem) "
    "VALUES ('delete', old.id, old.number, old.title, old.purpose, old.problem); "
    "INSERT INTO tickets_fts(rowid, number, title, purpose, problem) "
    "VALUES (new.id, new.number, new.title, new.purpose, new.problem); END",
    "INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')",
]


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and sqlite3.sqlite_version_info >= (3, 34, 0):
        for statement in _SQLITE_DDL:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("tickets_fts_ai", "tickets_fts_ad", "tickets_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS tickets_fts")
