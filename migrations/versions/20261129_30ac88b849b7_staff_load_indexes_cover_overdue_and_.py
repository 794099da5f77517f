"""staff load indexes cover overdue and recent resolutions

The staff ticket page's panel and the 担当状況 board count each handler's overdue tickets and resolutions of the last
30 days; at 100k tickets those read the wide rows (overdue) or every index entry of a handler (resolved). The load
index now also holds the due dates, and (main_handler_id, resolved_at) makes the 30 days a range.

Revision ID: 30ac88b849b7
Revises: a86b6d588e92
Create Date: 2026-11-29 12:40:48.201757

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '30ac88b849b7'
down_revision = 'a86b6d588e92'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_main_load'))
        batch_op.create_index('ix_tickets_main_load', ['main_handler_id', 'status', 'priority', 'resolved_at', 'resolution_due', 'first_response_due', 'first_response_at'], unique=False)
        batch_op.create_index('ix_tickets_main_resolved', ['main_handler_id', 'resolved_at'], unique=False)


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_main_resolved')
        batch_op.drop_index('ix_tickets_main_load')
        batch_op.create_index(batch_op.f('ix_tickets_main_load'), ['main_handler_id', 'status', 'priority', 'resolved_at'], unique=False)
