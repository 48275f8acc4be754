"""the index the send limits count recent sends by

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_outbox_sends', 'outbox', ['transport', 'updated_at'])


def downgrade() -> None:
    op.drop_index('ix_outbox_sends', table_name='outbox')
