"""Exactly once: inbound_updates.effect records what handling an update did.

A webhook update is stored before it is handled and marked processed after. A crash in
between replays it at the next start; effects that must not happen twice (creating a
patient, relaying a staff reply) write this column in their own transaction, and the
replay sees it. Added and dropped in place on both backends.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('inbound_updates', sa.Column('effect', sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column('inbound_updates', 'effect')
