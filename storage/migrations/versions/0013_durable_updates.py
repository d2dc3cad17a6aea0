"""durable update claims: a webhook replica keeps the update it took, with a lease, until it was handled

Revision ID: 0013_durable_updates
Revises: 0012_replies
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0013_durable_updates'
down_revision = '0012_replies'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('seenupdate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('payload', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('takeovers', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index('ix_seenupdate_lease_until', ['lease_until'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('seenupdate', schema=None) as batch_op:
        batch_op.drop_index('ix_seenupdate_lease_until')
        batch_op.drop_column('takeovers')
        batch_op.drop_column('payload')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('owner')
