"""character keyword index for tickets

SQLite only. Replaces the FTS5 trigram index of febafc071542, which could not answer words of one or two characters
(紙, 集計) and left them to a scan of the wide ticket rows, by an FTS5 index of the tickets spelled character by
character through the consult_chars() SQL function (models/sqlite.py): every word is a phrase of consecutive
characters, answered from the index whatever its length. Same DDL as consult/desk/search_sql.py, copied here so that
this migration never changes when the module does; the function is registered on the migration's connection here
too, with its definition frozen the same way. PostgreSQL needs nothing.

Revision ID: a86b6d588e92
Revises: febafc071542
Create Date: 2026-11-29 12:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a86b6d588e92'
down_revision = 'febafc071542'
branch_labels = None
depends_on = None


def _spell_chars(value):
    """consult_chars(): the value lower-cased, as space-separated hexadecimal code points."""
    if value is None:
        return None
    return " ".join(format(ord(ch), "x") for ch in str(value).lower())


_UPGRADE = [
    "DROP TRIGGER IF EXISTS tickets_fts_ai",
    "DROP TRIGGER IF EXISTS tickets_fts_ad",
    "DROP TRIGGER IF EXISTS tickets_fts_au",
    "DROP TABLE IF EXISTS tickets_fts",
    "CREATE VIEW IF NOT EXISTS tickets_chars_source AS SELECT id, consult_chars(number) AS number, "
    "consult_chars(title) AS title, consult_chars(purpose) AS purpose, consult_chars(problem) AS problem FROM tickets",
    "CREATE VIRTUAL TABLE IF NOT EXISTS tickets_chars USING fts5(number, title, purpose, problem, "
    "content='tickets_chars_source', content_rowid='id', tokenize='ascii', columnsize=0)",
    "CREATE TRIGGER IF NOT EXISTS tickets_chars_ai AFTER INSERT ON tickets BEGIN "
    "INSERT INTO tickets_chars(rowid, number, title, purpose, problem) VALUES (new.id, consult_chars(new.number), "
    "consult_chars(new.title), consult_chars(new.purpose), consult_chars(new.problem)); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_chars_ad AFTER DELETE ON tickets BEGIN "
    "INSERT INTO tickets_chars(tickets_chars, rowid, number, title, purpose, problem) VALUES ('delete', old.id, "
    "consult_chars(old.number), consult_chars(old.title), consult_chars(old.purpose), consult_chars(old.problem)); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_chars_au AFTER UPDATE OF id, number, title, purpose, problem ON tickets "
    "BEGIN INSERT INTO tickets_chars(tickets_chars, rowid, number, title, purpose, problem) VALUES ('delete', old.id, "
    "consult_chars(old.number), consult_chars(old.title), consult_chars(old.purpose), consult_chars(old.problem)); "
    "INSERT INTO tickets_chars(rowid, number, title, purpose, problem) VALUES (new.id, consult_chars(new.number), "
    "consult_chars(new.title), consult_chars(new.purpose), consult_chars(new.problem)); END",
    "INSERT INTO tickets_chars(tickets_chars) VALUES ('rebuild')",
]
# febafc071542's trigram index, restored by downgrade().
_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS tickets_chars_ai",
    "DROP TRIGGER IF EXISTS tickets_chars_ad",
    "DROP TRIGGER IF EXISTS tickets_chars_au",
    "DROP TABLE IF EXISTS tickets_chars",
    "DROP VIEW IF EXISTS tickets_chars_source",
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
    if bind.dialect.name != "sqlite":
        return
    bind.connection.driver_connection.create_function("consult_chars", 1, _spell_chars, deterministic=True)
    for statement in _UPGRADE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in _DOWNGRADE:
        op.execute(statement)
