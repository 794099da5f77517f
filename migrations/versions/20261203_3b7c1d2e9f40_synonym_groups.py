"""synonym groups (検索語の辞書)

Revision ID: 3b7c1d2e9f40
Revises: c16b2e4a9f30
Create Date: 2026-12-03 19:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b7c1d2e9f40'
down_revision = 'c16b2e4a9f30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'synonym_groups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('words', sa.String(length=500), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('synonym_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_synonym_groups_updated_at'), ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('synonym_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_synonym_groups_updated_at'))
    op.drop_table('synonym_groups')
