"""gallery: share opt-ins, de-identified pose examples, refusals, pose suggestions

Revision ID: 0009_gallery
Revises: 0008_moods
Create Date: 2026-12-04 16:18:17.083092
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0009_gallery'
down_revision = '0008_moods'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('galleryshare',
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('shared_by', sa.BigInteger(), nullable=True),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shared_by'], ['tg_user.id'], name='fk_galleryshare_shared_by', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('chat_id')
    )
    op.create_table('posesuggestion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('posesuggestion', schema=None) as batch_op:
        batch_op.create_index('ix_posesuggestion_chat_created', ['chat_id', 'created_at'], unique=False)

    op.create_table('galleryexample',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('frame', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('telegram_file_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('photo_id', 'frame', 'key', name='uq_galleryexample_cut_pose')
    )
    with op.batch_alter_table('galleryexample', schema=None) as batch_op:
        batch_op.create_index('ix_galleryexample_chat', ['chat_id'], unique=False)
        batch_op.create_index('ix_galleryexample_key', ['key'], unique=False)

    op.create_table('galleryrefusal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('frame', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('photo_id', 'frame', 'key', name='uq_galleryrefusal_cut_pose')
    )
    with op.batch_alter_table('galleryrefusal', schema=None) as batch_op:
        batch_op.create_index('ix_galleryrefusal_chat', ['chat_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('galleryrefusal', schema=None) as batch_op:
        batch_op.drop_index('ix_galleryrefusal_chat')

    op.drop_table('galleryrefusal')
    with op.batch_alter_table('galleryexample', schema=None) as batch_op:
        batch_op.drop_index('ix_galleryexample_key')
        batch_op.drop_index('ix_galleryexample_chat')

    op.drop_table('galleryexample')
    with op.batch_alter_table('posesuggestion', schema=None) as batch_op:
        batch_op.drop_index('ix_posesuggestion_chat_created')

    op.drop_table('posesuggestion')
    op.drop_table('galleryshare')
