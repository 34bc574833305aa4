"""Repeat sessions: enrollments.session_number (which session of the protocol this is).

A new session of a protocol supersedes the patient's earlier, still-live enrollment of the
same protocol (status "superseded", its pending messages cancelled) and continues its
count. Existing enrollments are all first sessions. Added and dropped in place on both
backends (dropping a column in place needs SQLite 3.35 or later).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add the column; every existing enrollment is session 1."""
    op.add_column(
        'enrollments',
        sa.Column('session_number', sa.Integer(), nullable=False, server_default='1'),
    )


def downgrade() -> None:
    """Drop the column (superseded enrollments keep their status text)."""
    op.drop_column('enrollments', 'session_number')
