"""shared state: chat keys, media groups, job claims

Revision ID: 0011_shared_state
Revises: 0010_seen_updates
Create Date: 2026-12-05 09:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0011_shared_state'
down_revision = '0010_seen_updates'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chatkey',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', 'key')
    )
    with op.batch_alter_table('chatkey', schema=None) as batch_op:
        batch_op.create_index('ix_chatkey_expires_at', ['expires_at'], unique=False)

    op.create_table('jobclaim',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('slot', sa.String(length=64), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', 'slot')
    )
    with op.batch_alter_table('jobclaim', schema=None) as batch_op:
        batch_op.create_index('ix_jobclaim_expires_at', ['expires_at'], unique=False)

    op.create_table('mediagroup',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('media_group_id', sa.String(length=64), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('sender', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('quiet', sa.Boolean(), nullable=False),
    sa.Column('pending', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', 'media_group_id')
    )
    with op.batch_alter_table('mediagroup', schema=None) as batch_op:
        batch_op.create_index('ix_mediagroup_created_at', ['created_at'], unique=False)

    op.create_table('mediagroupitem',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('media_group_id', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', 'media_group_id', 'message_id')
    )


def downgrade() -> None:
    op.drop_table('mediagroupitem')
    with op.batch_alter_table('mediagroup', schema=None) as batch_op:
        batch_op.drop_index('ix_mediagroup_created_at')

    op.drop_table('mediagroup')
    with op.batch_alter_table('jobclaim', schema=None) as batch_op:
        batch_op.drop_index('ix_jobclaim_expires_at')

    op.drop_table('jobclaim')
    with op.batch_alter_table('chatkey', schema=None) as batch_op:
        batch_op.drop_index('ix_chatkey_expires_at')

    op.drop_table('chatkey')
