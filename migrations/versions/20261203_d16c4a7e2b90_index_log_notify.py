"""index_outbox NOTIFY: a commit that writes index-log rows wakes every host's follower

A statement-level trigger sends NOTIFY consult_index_log in the writing transaction, so
PostgreSQL delivers it when (and only if) that transaction commits.  `flask search follow`
LISTENs on the channel and polls only as a fallback.  SQLite keeps polling (nothing to do).

Revision ID: d16c4a7e2b90
Revises: b15a62738495
Create Date: 2026-12-03 22:45:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd16c4a7e2b90'
down_revision = 'b15a62738495'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION consult_index_log_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('consult_index_log', '');
            RETURN NULL;
        END $$
    """)
    op.execute("""
        CREATE TRIGGER index_outbox_notify AFTER INSERT ON index_outbox
        FOR EACH STATEMENT EXECUTE FUNCTION consult_index_log_notify()
    """)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS index_outbox_notify ON index_outbox")
    op.execute("DROP FUNCTION IF EXISTS consult_index_log_notify()")
