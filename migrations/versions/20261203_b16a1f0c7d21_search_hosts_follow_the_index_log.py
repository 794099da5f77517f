"""search_hosts: every app host follows the index outbox as a log

Each host keeps its own Whoosh index and its own position in index_outbox (stored in the index
directory); it reports that position here with a heartbeat, so that old log rows are pruned
only below every live host's position.

Revision ID: b16a1f0c7d21
Revises: ae13ba442749
Create Date: 2026-12-03 19:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b16a1f0c7d21'
down_revision = 'ae13ba442749'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_hosts',
    sa.Column('host_id', sa.String(length=255), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('doc_count', sa.Integer(), nullable=True),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('host_id', name=op.f('pk_search_hosts'))
    )


def downgrade():
    op.drop_table('search_hosts')
