"""Integrity: an album from a patient is one outbox row copied with copyMessages (the
album's message ids in the patient's chat), and a post that made several messages in the
staff chat keeps all their ids (an album's copies), so that erasure can delete each.

Plain nullable JSON columns without foreign keys: SQLite adds and drops them in place.
Independent of revision 0010 (added in parallel): it touches only these two columns.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-14

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_COLUMNS = ('copy_message_ids', 'posted_message_ids')


def upgrade() -> None:
    for column in _COLUMNS:
        op.add_column('scheduled_messages', sa.Column(column, sa.JSON(), nullable=True))


def downgrade() -> None:
    for column in reversed(_COLUMNS):
        op.drop_column('scheduled_messages', column)
