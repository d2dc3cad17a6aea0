"""poses

Revision ID: 0006_poses
Revises: 0005
Create Date: 2026-12-04 14:54:50.374527
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0006_poses'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pose',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('frame', sa.Integer(), nullable=False),
    sa.Column('face_id', sa.Integer(), nullable=False),
    sa.Column('partner_face_id', sa.Integer(), nullable=True),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['face_id'], ['face.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_face_id'], ['face.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pose', schema=None) as batch_op:
        batch_op.create_index('ix_pose_chat_key', ['chat_id', 'key'], unique=False)
        batch_op.create_index('ix_pose_face', ['face_id'], unique=False)
        batch_op.create_index('ix_pose_partner_face', ['partner_face_id'], unique=False)
        batch_op.create_index('ix_pose_photo', ['photo_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('pose', schema=None) as batch_op:
        batch_op.drop_index('ix_pose_photo')
        batch_op.drop_index('ix_pose_partner_face')
        batch_op.drop_index('ix_pose_face')
        batch_op.drop_index('ix_pose_chat_key')

    op.drop_table('pose')
