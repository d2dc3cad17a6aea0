"""moods: cut moods, the source of poses (device or openai) and each chat's OpenAI opt-in

Revision ID: 0008_moods
Revises: 0007
Create Date: 2026-12-04 16:40:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0008_moods'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cutmood',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('frame', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cutmood', schema=None) as batch_op:
        batch_op.create_index('ix_cutmood_chat_key', ['chat_id', 'key'], unique=False)
        batch_op.create_index('ix_cutmood_photo', ['photo_id'], unique=False)
    op.create_table('chatrefinement',
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('openai', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('chat_id')
    )
    with op.batch_alter_table('pose', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default='device')
        )


def downgrade() -> None:
    with op.batch_alter_table('pose', schema=None) as batch_op:
        batch_op.drop_column('source')
    op.drop_table('chatrefinement')
    with op.batch_alter_table('cutmood', schema=None) as batch_op:
        batch_op.drop_index('ix_cutmood_photo')
        batch_op.drop_index('ix_cutmood_chat_key')
    op.drop_table('cutmood')
