"""ranking, ledger and weekly posts

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 16:50:42.283929
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chatschedule',
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('minute', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('chat_id')
    )
    op.create_table('customcharity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('added_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('chat_id', 'url', name='uq_customcharity_chat_url')
    )
    op.create_table('donationrule',
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('charity_key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('won_per_point', sa.Integer(), nullable=True),
    sa.Column('weekly_cap_won', sa.Integer(), nullable=True),
    sa.Column('since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('chat_id')
    )
    op.create_table('donationweek',
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('total_won', sa.Integer(), nullable=False),
    sa.Column('pledges', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('won_per_point', sa.Integer(), nullable=False),
    sa.Column('weekly_cap_won', sa.Integer(), nullable=True),
    sa.Column('charity_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('charity_url', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('closed_by', sa.BigInteger(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('receipt_file_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('receipt_prompt_message_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('chat_id', 'week_start')
    )
    op.create_table('weeklypost',
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('chat_id', 'week_start')
    )
    op.create_table('pledge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=True),
    sa.Column('sender_id', sa.BigInteger(), nullable=True),
    sa.Column('photo_taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('anonymised', sa.Boolean(), nullable=False),
    sa.Column('won_per_point', sa.Integer(), nullable=True),
    sa.Column('amount_won', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sender_id'], ['tg_user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('chat_id', 'photo_id', name='uq_pledge_chat_photo')
    )
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.create_index('ix_pledge_chat_week', ['chat_id', 'week_start'], unique=False)

    # Chats that exist already start their weekly post now: no catch-up post for weeks before this version.
    chat = sa.table('chat', sa.column('id', sa.BigInteger()))
    schedule = sa.table(
        'chatschedule',
        sa.column('chat_id', sa.BigInteger()),
        sa.column('weekday', sa.Integer()),
        sa.column('hour', sa.Integer()),
        sa.column('minute', sa.Integer()),
        sa.column('enabled', sa.Boolean()),
        sa.column('since', sa.DateTime(timezone=True)),
    )
    op.execute(
        schedule.insert().from_select(
            ['chat_id', 'weekday', 'hour', 'minute', 'enabled', 'since'],
            sa.select(chat.c.id, sa.literal(6), sa.literal(20), sa.literal(0), sa.true(), sa.func.current_timestamp()),
        )
    )



def downgrade() -> None:
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.drop_index('ix_pledge_chat_week')

    op.drop_table('pledge')
    op.drop_table('weeklypost')
    op.drop_table('donationweek')
    op.drop_table('donationrule')
    op.drop_table('customcharity')
    op.drop_table('chatschedule')
