"""PostgreSQL keyword side table carries status and the queue's sort keys

The keyword-only queue (search box, status tab, sort) joined every matching ticket row for its counts and order:
~18,000 wide rows for a common word (~86 ms). With the status and the sort keys in ticket_keywords (kept by the same
trigger, now also on changes of those columns) it is answered from the side table alone (~40 ms). Same DDL as
consult/desk/search_sql.py, copied here so that this migration never changes when the module does.

Revision ID: 619e4f5c0e7f
Revises: 904931dc874c
Create Date: 2026-11-29 14:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '619e4f5c0e7f'
down_revision = '904931dc874c'
branch_labels = None
depends_on = None

_UPGRADE = [
    "CREATE TABLE IF NOT EXISTS ticket_keywords (ticket_id integer PRIMARY KEY "
    "REFERENCES tickets (id) ON DELETE CASCADE, body text NOT NULL)",
    "ALTER TABLE ticket_keywords ADD COLUMN IF NOT EXISTS status varchar(16), "
    "ADD COLUMN IF NOT EXISTS priority varchar(16), ADD COLUMN IF NOT EXISTS created_at timestamp, "
    "ADD COLUMN IF NOT EXISTS updated_at timestamp, ADD COLUMN IF NOT EXISTS resolution_due date, "
    "ADD COLUMN IF NOT EXISTS first_response_due date, ADD COLUMN IF NOT EXISTS first_response_at timestamp",
    "CREATE INDEX IF NOT EXISTS ix_ticket_keywords_chars ON ticket_keywords USING gin (string_to_array(body, NULL))",
    "CREATE OR REPLACE FUNCTION consult_ticket_keywords() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO ticket_keywords (ticket_id, body, status, priority, created_at, updated_at, resolution_due, "
    "first_response_due, first_response_at) "
    "VALUES (NEW.id, lower(concat_ws(E'\\n', NEW.number, NEW.title, NEW.purpose, NEW.problem)), NEW.status, "
    "NEW.priority, NEW.created_at, NEW.updated_at, NEW.resolution_due, NEW.first_response_due, NEW.first_response_at) "
    "ON CONFLICT (ticket_id) DO UPDATE SET body = EXCLUDED.body, status = EXCLUDED.status, "
    "priority = EXCLUDED.priority, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, "
    "resolution_due = EXCLUDED.resolution_due, first_response_due = EXCLUDED.first_response_due, "
    "first_response_at = EXCLUDED.first_response_at; RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS ticket_keywords_sync ON tickets",
    "CREATE TRIGGER ticket_keywords_sync AFTER INSERT OR UPDATE OF number, title, purpose, problem, status, priority, "
    "created_at, updated_at, resolution_due, first_response_due, first_response_at ON tickets "
    "FOR EACH ROW EXECUTE FUNCTION consult_ticket_keywords()",
    "INSERT INTO ticket_keywords (ticket_id, body, status, priority, created_at, updated_at, resolution_due, "
    "first_response_due, first_response_at) "
    "SELECT id, lower(concat_ws(E'\\n', number, title, purpose, problem)), status, priority, created_at, updated_at, "
    "resolution_due, first_response_due, first_response_at FROM tickets "
    "ON CONFLICT (ticket_id) DO UPDATE SET body = EXCLUDED.body, status = EXCLUDED.status, "
    "priority = EXCLUDED.priority, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, "
    "resolution_due = EXCLUDED.resolution_due, first_response_due = EXCLUDED.first_response_due, "
    "first_response_at = EXCLUDED.first_response_at",
]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _UPGRADE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS ticket_keywords_sync ON tickets")
    op.execute("ALTER TABLE ticket_keywords DROP COLUMN status, DROP COLUMN priority, DROP COLUMN created_at, "
               "DROP COLUMN updated_at, DROP COLUMN resolution_due, DROP COLUMN first_response_due, "
               "DROP COLUMN first_response_at")
    op.execute("CREATE OR REPLACE FUNCTION consult_ticket_keywords() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               "INSERT INTO ticket_keywords (ticket_id, body) "
               "VALUES (NEW.id, lower(concat_ws(E'\\n', NEW.number, NEW.title, NEW.purpose, NEW.problem))) "
               "ON CONFLICT (ticket_id) DO UPDATE SET body = EXCLUDED.body; RETURN NULL; END $$")
    op.execute("CREATE TRIGGER ticket_keywords_sync AFTER INSERT OR UPDATE OF number, title, purpose, problem "
               "ON tickets FOR EACH ROW EXECUTE FUNCTION consult_ticket_keywords()")
