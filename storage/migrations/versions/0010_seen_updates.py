"""seen updates: update_ids webhook replicas have taken (de-duplication without Redis)

Revision ID: 0010_seen_updates
Revises: 0009_gallery
Create Date: 2026-12-04 18:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0010_seen_updates'
down_revision = '0009_gallery'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('seenupdate',
    sa.Column('bot_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('bot_id', 'update_id')
    )
    with op.batch_alter_table('seenupdate', schema=None) as batch_op:
        batch_op.create_index('ix_seenupdate_created_at', ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('seenupdate', schema=None) as batch_op:
        batch_op.drop_index('ix_seenupdate_created_at')
    op.drop_table('seenupdate')
