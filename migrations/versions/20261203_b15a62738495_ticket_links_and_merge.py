"""related tickets (関連する相談) and merged duplicates

Revision ID: b15a62738495
Revises: a14f51627384
Create Date: 2026-12-03 19:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b15a62738495'
down_revision = 'a14f51627384'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ticket_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ticket_links_created_by_id_users')),
    sa.ForeignKeyConstraint(['other_id'], ['tickets.id'], name=op.f('fk_ticket_links_other_id_tickets')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_links_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_links')),
    sa.UniqueConstraint('ticket_id', 'other_id', name='uq_ticket_links_pair')
    )
    with op.batch_alter_table('ticket_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_links_other_id'), ['other_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_links_ticket_id'), ['ticket_id'], unique=False)
    # plain ADD COLUMN with an inline REFERENCES on SQLite (a batch copy of `tickets` would break its views)
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE tickets ADD COLUMN merged_into_id INTEGER '
                   'CONSTRAINT fk_tickets_merged_into_id_tickets REFERENCES tickets (id)')
    else:
        op.add_column('tickets', sa.Column('merged_into_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_tickets_merged_into_id_tickets', 'tickets', 'tickets', ['merged_into_id'], ['id'])


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint('fk_tickets_merged_into_id_tickets', 'tickets', type_='foreignkey')
    op.drop_column('tickets', 'merged_into_id')
    op.drop_table('ticket_links')
