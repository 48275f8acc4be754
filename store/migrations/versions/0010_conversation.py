"""the conversation with the citizen: waiting for their answer, acknowledged follow-ups, the rating; forms sent once

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE, never batch mode: rebuilding `complaints` on SQLite would drop the search's triggers (0009).
    for column in (sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True),
                   sa.Column('waiting_until', sa.DateTime(timezone=True), nullable=True),
                   sa.Column('followup_acked_at', sa.DateTime(timezone=True), nullable=True),
                   sa.Column('rating_asked_at', sa.DateTime(timezone=True), nullable=True),
                   sa.Column('rating_link_hash', sa.String(length=64), nullable=True),
                   sa.Column('rating', sa.Integer(), nullable=True),
                   sa.Column('rating_comment', sa.Text(), nullable=True),
                   sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True)):
        op.add_column('complaints', column)
    op.create_index('ix_complaints_waiting', 'complaints', ['channel', 'sender_id', 'waiting_until'])
    op.create_table('form_submissions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_form_submissions_created_at', 'form_submissions', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_form_submissions_created_at', table_name='form_submissions')
    op.drop_table('form_submissions')
    op.drop_index('ix_complaints_waiting', table_name='complaints')
    for column in ('rated_at', 'rating_comment', 'rating', 'rating_link_hash', 'rating_asked_at',
                   'followup_acked_at', 'waiting_until', 'waiting_since'):
        op.drop_column('complaints', column)
