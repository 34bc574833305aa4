"""The outbox's indexes hold only the rows they are for, so a patient reminder claimed and
recorded writes as few index entries as it can:

- ix_messages_claim (available_at): pending rows only (the claim and the next due time
  say status = 'pending' as a literal);
- ix_messages_lease (lease_expires_at): leased rows only (status = 'sending');
- ix_messages_posted (chat_id, telegram_message_id): staff-chat rows only (chat_id < 0),
  where a staff reply to one of our posts is looked up;
- ix_messages_finished (status, finished_at): finished rows only (the console's and the
  reports' "since" queries all bound finished_at);
- ix_messages_patient_status (patient_id): pending rows only (the console's next pending
  message per patient);
- about_patient_id and case_id: rows that have one (every lookup is by equality).

Each index is dropped and created again with its WHERE clause (the same on both databases).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

"""
from typing import Any, Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# name: (columns before, columns after, WHERE after)
_INDEXES: dict[str, tuple[list[str], list[str], str]] = {
    'ix_messages_claim': (['status', 'available_at'], ['available_at'], "status = 'pending'"),
    'ix_messages_lease': (['status', 'lease_expires_at'], ['lease_expires_at'],
                          "status = 'sending'"),
    'ix_messages_posted': (['chat_id', 'telegram_message_id'],
                           ['chat_id', 'telegram_message_id'], 'chat_id < 0'),
    'ix_messages_finished': (['status', 'finished_at'], ['status', 'finished_at'],
                             'finished_at IS NOT NULL'),
    'ix_messages_patient_status': (['patient_id', 'status'], ['patient_id'],
                                   "status = 'pending'"),
    'ix_scheduled_messages_about_patient_id': (['about_patient_id'], ['about_patient_id'],
                                               'about_patient_id IS NOT NULL'),
    'ix_scheduled_messages_case_id': (['case_id'], ['case_id'], 'case_id IS NOT NULL'),
}


def _where(clause: str) -> dict[str, Any]:
    return {'sqlite_where': sa.text(clause), 'postgresql_where': sa.text(clause)}


def upgrade() -> None:
    for name, (_before, after, where) in _INDEXES.items():
        op.drop_index(name, table_name='scheduled_messages')
        op.create_index(name, 'scheduled_messages', after, unique=False, **_where(where))


def downgrade() -> None:
    for name, (before, _after, _where_clause) in reversed(_INDEXES.items()):
        op.drop_index(name, table_name='scheduled_messages')
        op.create_index(name, 'scheduled_messages', before, unique=False)
