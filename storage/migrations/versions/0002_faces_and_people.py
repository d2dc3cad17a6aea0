"""faces and people

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 11:55:52.595830
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index('ix_person_chat', ['chat_id'], unique=False)

    op.create_table('face',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('frame', sa.Integer(), nullable=False),
    sa.Column('x', sa.Integer(), nullable=False),
    sa.Column('y', sa.Integer(), nullable=False),
    sa.Column('w', sa.Integer(), nullable=False),
    sa.Column('h', sa.Integer(), nullable=False),
    sa.Column('detection_score', sa.Float(), nullable=False),
    sa.Column('smile', sa.Float(), nullable=False),
    sa.Column('embedding', sa.LargeBinary(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('manual', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('face', schema=None) as batch_op:
        batch_op.create_index('ix_face_chat_person', ['chat_id', 'person_id'], unique=False)
        batch_op.create_index('ix_face_photo', ['photo_id'], unique=False)

    op.create_table('faceexclusion',
    sa.Column('face_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['face_id'], ['face.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('face_id', 'person_id')
    )
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('analysed_at', sa.DateTime(timezone=True), nullable=True))




def downgrade() -> None:

    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_column('analysed_at')

    op.drop_table('faceexclusion')
    with op.batch_alter_table('face', schema=None) as batch_op:
        batch_op.drop_index('ix_face_photo')
        batch_op.drop_index('ix_face_chat_person')

    op.drop_table('face')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_chat')

    op.drop_table('person')

