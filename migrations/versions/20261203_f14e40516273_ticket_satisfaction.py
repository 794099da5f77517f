"""ticket satisfaction (満足度) recorded when a requester confirms 完了

Revision ID: f14e40516273
Revises: e14d3f405162
Create Date: 2026-12-03 19:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f14e40516273'
down_revision = 'e14d3f405162'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ticket_satisfaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_satisfaction_ticket_id_tickets')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ticket_satisfaction_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_satisfaction')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_ticket_satisfaction_ticket_id'))
    )
    with op.batch_alter_table('ticket_satisfaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_satisfaction_created_at'), ['created_at'], unique=False)


def downgrade():
    op.drop_table('ticket_satisfaction')
