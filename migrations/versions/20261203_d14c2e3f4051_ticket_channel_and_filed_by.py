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
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=16), server_default='web', nullable=False))
        batch_op.add_column(sa.Column('filed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tickets_filed_by_id_users'), 'users', ['filed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tickets_filed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('filed_by_id')
        batch_op.drop_column('channel')
