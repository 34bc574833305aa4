"""Escalation that repeats: a case made urgent again by what joined it (when, and its
words), the current run of its escalation ladder (outbox timers carry it in step_id), and
why a case was closed without a staff member (the patient erased their data).

Plain columns without foreign keys: SQLite adds and drops them in place.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('escalations', sa.Column('raised_at', sa.DateTime(timezone=True),
                                           nullable=True))
    op.add_column('escalations', sa.Column('raised_text', sa.Text(), nullable=True))
    op.add_column('escalations', sa.Column('ladder_run', sa.Integer(), server_default='0',
                                           nullable=False))
    op.add_column('escalations', sa.Column('closed_reason', sa.String(length=32),
                                           nullable=True))


def downgrade() -> None:
    for column in ('closed_reason', 'ladder_run', 'raised_text', 'raised_at'):
        op.drop_column('escalations', column)
