"""reaching the citizen within each platform's rules: the provider's time of each inbound message, the provider's id
and status of each delivery with its callbacks and fallback, and the queue that fetches the media citizens send

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ALTER TABLE throughout (no batch mode: SQLite would rebuild the tables).
    # "undeliverable" is 13 characters: the state and the attempt's outcome get room. SQLite does not enforce a
    # VARCHAR's length, and cannot alter a column's type in place: PostgreSQL only.
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('outbox', 'state', type_=sa.String(length=16), existing_nullable=False)
        op.alter_column('delivery_attempts', 'outcome', type_=sa.String(length=16), existing_nullable=False)
    op.add_column('inbound_messages', sa.Column('sent_at', WHEN, nullable=True))
    op.create_index('ix_inbound_sender', 'inbound_messages', ['channel', 'sender_id', 'sent_at'])
    for column in (sa.Column('provider_message_id', sa.String(length=255), nullable=True),
                   sa.Column('provider_status', sa.String(length=16), nullable=True),
                   sa.Column('fallback_of', ID, nullable=True)):
        op.add_column('outbox', column)
    op.create_index('ix_outbox_provider', 'outbox', ['transport', 'provider_message_id'])
    op.create_index('ix_outbox_fallback', 'outbox', ['fallback_of'])
    op.create_table('delivery_statuses',
    sa.Column('id', ID, nullable=False),
    sa.Column('outbox_id', ID, nullable=True),
    sa.Column('transport', sa.String(length=16), nullable=False),
    sa.Column('provider_message_id', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('code', sa.Integer(), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('at', WHEN, nullable=True),
    sa.Column('received_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('outbox_id', 'status', name='uq_delivery_statuses_status'),
    )
    op.create_index('ix_delivery_statuses_provider', 'delivery_statuses', ['transport', 'provider_message_id'])
    for column in (sa.Column('message_ref', sa.String(length=255), nullable=True),
                   sa.Column('fetch_via', sa.String(length=32), nullable=True),
                   sa.Column('fetch_state', sa.String(length=12), nullable=True),
                   sa.Column('fetch_attempts', sa.Integer(), nullable=False, server_default='0'),
                   sa.Column('fetch_next_at', WHEN, nullable=True),
                   sa.Column('fetch_lease_until', WHEN, nullable=True),
                   sa.Column('fetch_error', sa.Text(), nullable=True)):
        op.add_column('attachments', column)
    op.create_index('ix_attachments_fetch', 'attachments', ['fetch_state', 'fetch_next_at'])


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE outbox SET state = 'dead' WHERE state = 'undeliverable'")
        op.execute("UPDATE delivery_attempts SET outcome = 'permanent' WHERE outcome = 'undeliverable'")
        op.alter_column('outbox', 'state', type_=sa.String(length=12), existing_nullable=False)
        op.alter_column('delivery_attempts', 'outcome', type_=sa.String(length=12), existing_nullable=False)
    op.drop_index('ix_attachments_fetch', table_name='attachments')
    for name in ('fetch_error', 'fetch_lease_until', 'fetch_next_at', 'fetch_attempts', 'fetch_state', 'fetch_via',
                 'message_ref'):
        op.drop_column('attachments', name)
    op.drop_index('ix_delivery_statuses_provider', table_name='delivery_statuses')
    op.drop_table('delivery_statuses')
    op.drop_index('ix_outbox_fallback', table_name='outbox')
    op.drop_index('ix_outbox_provider', table_name='outbox')
    for name in ('fallback_of', 'provider_status', 'provider_message_id'):
        op.drop_column('outbox', name)
    op.drop_index('ix_inbound_sender', table_name='inbound_messages')
    op.drop_column('inbound_messages', 'sent_at')
