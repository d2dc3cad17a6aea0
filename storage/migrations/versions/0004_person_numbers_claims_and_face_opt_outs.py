"""stable person numbers, claims and face opt-outs

Existing people are numbered 1, 2, … per chat in the order they were created (their ids), and each chat's counter
starts after its last number, so the labels members already saw for the oldest people stay the first ones.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 14:26:36.293456
"""

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('faceoptout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.Column('face_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['tg_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('faceoptout', schema=None) as batch_op:
        batch_op.create_index('ix_faceoptout_chat', ['chat_id'], unique=False)
        batch_op.create_index('ix_faceoptout_user', ['user_id'], unique=False)

    with op.batch_alter_table('chat', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_person_number', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            'fk_person_claimed_by_tg_user', 'tg_user', ['claimed_by'], ['id'], ondelete='SET NULL'
        )

    _number_existing_people()

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.alter_column('number', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint('uq_person_chat_number', ['chat_id', 'number'])


def _number_existing_people() -> None:
    connection = op.get_bind()
    person = sa.table('person', sa.column('id', sa.Integer()), sa.column('chat_id'), sa.column('number'))
    chat = sa.table('chat', sa.column('id'), sa.column('last_person_number'))
    last: dict[int, int] = {}
    for person_id, chat_id in connection.execute(
        sa.select(person.c.id, person.c.chat_id).order_by(person.c.chat_id, person.c.id)
    ).all():
        last[chat_id] = last.get(chat_id, 0) + 1
        connection.execute(sa.update(person).where(person.c.id == person_id).values(number=last[chat_id]))
    for chat_id, number in last.items():
        connection.execute(sa.update(chat).where(chat.c.id == chat_id).values(last_person_number=number))


def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint('uq_person_chat_number', type_='unique')
        batch_op.drop_constraint('fk_person_claimed_by_tg_user', type_='foreignkey')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('number')

    with op.batch_alter_table('chat', schema=None) as batch_op:
        batch_op.drop_column('last_person_number')

    with op.batch_alter_table('faceoptout', schema=None) as batch_op:
        batch_op.drop_index('ix_faceoptout_user')
        batch_op.drop_index('ix_faceoptout_chat')

    op.drop_table('faceoptout')
