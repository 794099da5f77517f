"""job marks: what the scheduled jobs have already done, so `jobs run` never does anything twice

Revision ID: c14b1d2e3f40
Revises: b14a0c1d2e3f
Create Date: 2026-12-03 19:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c14b1d2e3f40'
down_revision = 'b14a0c1d2e3f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_marks')),
    sa.UniqueConstraint('job', 'key', name='uq_job_marks_job_key')
    )


def downgrade():
    op.drop_table('job_marks')
