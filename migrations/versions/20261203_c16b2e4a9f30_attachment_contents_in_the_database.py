"""attachment_blobs: attachment contents in the database (shared by every app host)

Revision ID: c16b2e4a9f30
Revises: b16a1f0c7d21
Create Date: 2026-12-03 19:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c16b2e4a9f30'
down_revision = 'b16a1f0c7d21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attachment_blobs',
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('stored_name', name=op.f('pk_attachment_blobs'))
    )


def downgrade():
    op.drop_table('attachment_blobs')
