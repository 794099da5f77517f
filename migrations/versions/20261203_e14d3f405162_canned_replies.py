"""canned replies (定型文) of the desk

Revision ID: e14d3f405162
Revises: d14c2e3f4051
Create Date: 2026-12-03 19:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e14d3f405162'
down_revision = 'd14c2e3f4051'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('canned_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_canned_replies_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_canned_replies'))
    )


def downgrade():
    op.drop_table('canned_replies')
