"""Staff console sign-in: console_tokens holds one-time sign-in links and browser sessions.

Both are stored only as the SHA-256 hash of the secret the browser holds (like invites), so
a copy of the database signs nobody in. A new table: both backends create and drop it in
place.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('console_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_console_tokens_token_hash'))
    )
    with op.batch_alter_table('console_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_tokens_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_console_tokens_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('console_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_tokens_expires_at'))
        batch_op.drop_index(batch_op.f('ix_console_tokens_user_id'))
    op.drop_table('console_tokens')
