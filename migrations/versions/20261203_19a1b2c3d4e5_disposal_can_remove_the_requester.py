"""disposal can remove the requester: tickets.requester_id and ticket_satisfaction.user_id become nullable

Revision ID: 19a1b2c3d4e5
Revises: e17a5c0b3d21
Create Date: 2026-12-03 22:40:00

A disposed record (公文書 lifecycle, 廃棄) keeps a tombstone without the person who asked or rated.

SQLite cannot drop a NOT NULL constraint with ALTER TABLE, and a batch copy of `tickets` would break the views and
triggers of the keyword index that read it. SQLite's documented procedure for removing a NOT NULL constraint
(https://www.sqlite.org/lang_altertable.html, "otherwise ... writable_schema") edits the stored CREATE TABLE text:
the file format does not change, so no row is rewritten.
"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '19a1b2c3d4e5'
down_revision = 'e17a5c0b3d21'
branch_labels = None
depends_on = None

COLUMNS = (('tickets', 'requester_id'), ('ticket_satisfaction', 'user_id'))


def _sqlite_not_null(table: str, column: str, not_null: bool) -> None:
    """Add or remove NOT NULL on one column in SQLite's stored schema text."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).scalar()
    pattern = re.compile(rf'(\b{column}\b\s+INTEGER)( NOT NULL)?', re.IGNORECASE)
    match = pattern.search(sql)
    if match is None:
        raise RuntimeError(f'{table}.{column} not found in the stored schema')
    new_sql = pattern.sub(lambda m: m.group(1) + (' NOT NULL' if not_null else ''), sql, count=1)
    if new_sql == sql:
        return
    version = bind.exec_driver_sql('PRAGMA schema_version').scalar()
    bind.exec_driver_sql('PRAGMA writable_schema = ON')
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (new_sql, table))
    bind.exec_driver_sql(f'PRAGMA schema_version = {int(version) + 1:d}')
    bind.exec_driver_sql('PRAGMA writable_schema = OFF')


def upgrade():
    for table, column in COLUMNS:
        if op.get_bind().dialect.name == 'sqlite':
            _sqlite_not_null(table, column, False)
        else:
            op.alter_column(table, column, existing_type=sa.Integer(), nullable=True)


def downgrade():
    # only possible while no disposed record has lost its requester
    for table, column in COLUMNS:
        if op.get_bind().dialect.name == 'sqlite':
            _sqlite_not_null(table, column, True)
        else:
            op.alter_column(table, column, existing_type=sa.Integer(), nullable=False)
