"""face quality: head turn and sharpness of each face

Revision ID: 0007
Revises: 0006_poses
Create Date: 2026-12-07 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006_poses'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('face', schema=None) as batch_op:
        batch_op.add_column(sa.Column('yaw', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('sharpness', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('face', schema=None) as batch_op:
        batch_op.drop_column('sharpness')
        batch_op.drop_column('yaw')
