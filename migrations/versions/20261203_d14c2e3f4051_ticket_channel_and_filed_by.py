"""ticket channel (画面/電話/対面/メール) and the staff member who filed it on behalf of the requester

Revision ID: d14c2e3f4051
Revises: c14b1d2e3f40
Create Date: 2026-12-03 19:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd14c2e3f4051'
down_revision = 'c14b1d2e3f40'
branch_labels = None
depends_on = None


def upgrade():
    # plain ADD COLUMN (with an inline REFERENCES on SQLite): a batch copy of `tickets` would break the SQLite views
    # of the keyword index that read it
    op.add_column('tickets', sa.Column('channel', sa.String(length=16), server_default='web', nullable=False))
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE tickets ADD COLUMN filed_by_id INTEGER '
                   'CONSTRAINT fk_tickets_filed_by_id_users REFERENCES users (id)')
    else:
        op.add_column('tickets', sa.Column('filed_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_tickets_filed_by_id_users', 'tickets', 'users', ['filed_by_id'], ['id'])


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint('fk_tickets_filed_by_id_users', 'tickets', type_='foreignkey')
    op.drop_column('tickets', 'filed_by_id')
    op.drop_column('tickets', 'channel')
