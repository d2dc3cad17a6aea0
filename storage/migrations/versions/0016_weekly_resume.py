"""weekly posts: a claim whose process died before sending is taken over (attempt), one that began sending is not

Revision ID: 0016_weekly_resume
Revises: 0015_link_replies
Create Date: 2026-12-09 09:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0016_weekly_resume'
down_revision = '0015_link_replies'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('weeklypost', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('sending_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('weeklypost', schema=None) as batch_op:
        batch_op.drop_column('sending_at')
        batch_op.drop_column('attempt')
