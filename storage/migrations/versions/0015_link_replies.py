"""booth-link and album answers as stored replies: what a reply is made from beyond the photo, and its status message

Revision ID: 0015_link_replies
Revises: 0014_analysis_attempts
Create Date: 2026-12-08 09:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0015_link_replies'
down_revision = '0014_analysis_attempts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('status_id', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.drop_column('status_id')
        batch_op.drop_column('payload')
