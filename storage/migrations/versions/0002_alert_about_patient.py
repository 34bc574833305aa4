"""Queued staff alerts name their patient: scheduled_messages.about_patient_id.

A staff alert that could not be posted waits in the outbox for the alert chat. Erasure used
to find it by searching its text for "Patient #<id>:"; it now selects it by this column.
Alerts queued before this revision get the column filled from their text.

The column is a plain indexed integer (no foreign key), so both backends add and drop it in
place: on SQLite a rebuild of scheduled_messages would, with foreign keys on, delete the
check-in answers that reference it. Dropping a column in place needs SQLite 3.35 or later.

Revision ID: 0002
Revises: 0001
Create Date: 2026-04-01

"""
import re
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# How alert texts named their patient before this revision: the live alert, and the text
# erasure left in place of it.
_NAMED = (
    re.compile(r"Patient #(\d+):"),
    re.compile(r"^Alert about patient #(\d+) \(details erased"),
)


def upgrade() -> None:
    """Add the column and its index; fill it for alerts already queued."""
    op.add_column(
        'scheduled_messages', sa.Column('about_patient_id', sa.Integer(), nullable=True)
    )
    op.create_index(
        op.f('ix_scheduled_messages_about_patient_id'), 'scheduled_messages',
        ['about_patient_id'], unique=False,
    )
    messages = sa.table(
        'scheduled_messages',
        sa.column('id', sa.Integer()),
        sa.column('patient_id', sa.Integer()),
        sa.column('kind', sa.String()),
        sa.column('text', sa.Text()),
        sa.column('about_patient_id', sa.Integer()),
    )
    connection = op.get_bind()
    alerts = connection.execute(
        sa.select(messages.c.id, messages.c.text).where(
            messages.c.kind == 'alert', messages.c.patient_id.is_(None)
        )
    ).all()
    for message_id, text in alerts:
        for pattern in _NAMED:
            found = pattern.search(text or '')
            if found:
                connection.execute(
                    sa.update(messages)
                    .where(messages.c.id == message_id)
                    .values(about_patient_id=int(found.group(1)))
                )
                break


def downgrade() -> None:
    """Drop the index and the column (the old code finds alerts by their text again)."""
    op.drop_index(op.f('ix_scheduled_messages_about_patient_id'), table_name='scheduled_messages')
    op.drop_column('scheduled_messages', 'about_patient_id')
