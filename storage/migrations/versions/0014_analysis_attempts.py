"""analysis attempts: a photo whose analysis keeps failing is retried a few times, then given up (and the chat told once)

Revision ID: 0014_analysis_attempts
Revises: 0013_durable_updates
Create Date: 2026-12-04 23:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0014_analysis_attempts'
down_revision = '0013_durable_updates'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('analysis_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('analysis_failed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('analysis_failure_told_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_column('analysis_failure_told_at')
        batch_op.drop_column('analysis_failed_at')
        batch_op.drop_column('analysis_attempts')
