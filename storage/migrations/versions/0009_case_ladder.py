"""Escalation that repeats: a case made urgent again by what joined it (when, and its
words), the current run of its escalation ladder (outbox timers carry it in step_id), and
why a case was closed without a staff member (the patient erased their data).

Plain columns without foreign keys: SQLite adds and drops them in place. An urgent case
still open at the upgrade keeps escalating: it is on its ladder's first run, and its
waiting re-alert and pages become that run's first round (the next rounds follow them).

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

_URGENT_OPEN = "status = 'open' AND kind IN ('red_flag', 'checkin')"


def upgrade() -> None:
    op.add_column('escalations', sa.Column('raised_at', sa.DateTime(timezone=True),
                                           nullable=True))
    op.add_column('escalations', sa.Column('raised_text', sa.Text(), nullable=True))
    op.add_column('escalations', sa.Column('ladder_run', sa.Integer(), server_default='0',
                                           nullable=False))
    op.add_column('escalations', sa.Column('closed_reason', sa.String(length=32),
                                           nullable=True))
    op.execute(f"UPDATE escalations SET ladder_run = 1 WHERE {_URGENT_OPEN}")
    op.execute(
        "UPDATE scheduled_messages SET step_id = 'ladder:1', occurrence = 1"
        " WHERE kind = 'alert' AND step_id = 'case' AND patient_id IS NULL"
        " AND status IN ('pending', 'sending')"
        f" AND case_id IN (SELECT id FROM escalations WHERE {_URGENT_OPEN})"
    )


def downgrade() -> None:
    op.execute("UPDATE scheduled_messages SET step_id = 'case', occurrence = 0"
               " WHERE kind = 'alert' AND step_id LIKE 'ladder:%'")
    for column in ('closed_reason', 'ladder_run', 'raised_text', 'raised_at'):
        op.drop_column('escalations', column)
