"""the questions the bot asks in an agency's Telegram group after "Bukan wewenang", until the officer answers

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('telegram_questions',
    sa.Column('id', ID, nullable=False),
    sa.Column('complaint_id', ID, nullable=False),
    sa.Column('callback_id', sa.String(length=64), nullable=False),
    sa.Column('chat_id', sa.String(length=32), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('telegram_user_id', sa.String(length=32), nullable=False),
    sa.Column('ticket_message_id', sa.BigInteger(), nullable=True),
    sa.Column('ticket_text', sa.Text(), nullable=True),
    sa.Column('ticket_entities', sa.JSON(), nullable=True),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('callback_id'),
    sa.UniqueConstraint('chat_id', 'message_id', name='uq_telegram_questions_message'),
    )
    op.create_index('ix_telegram_questions_complaint_id', 'telegram_questions', ['complaint_id'])


def downgrade() -> None:
    op.drop_index('ix_telegram_questions_complaint_id', table_name='telegram_questions')
    op.drop_table('telegram_questions')
