"""SLA pause in 回答待ち: when the resolution clock stopped and how many business days it was stopped

Revision ID: b14a0c1d2e3f
Revises: 3b7c1d2e9f40
Create Date: 2026-12-03 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b14a0c1d2e3f'
down_revision = '3b7c1d2e9f40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_paused_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('sla_paused_days', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('sla_paused_days')
        batch_op.drop_column('sla_paused_on')
