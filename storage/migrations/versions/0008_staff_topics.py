"""Staff inbox in the staff chat: a forum topic per patient, every staff-chat post in the
outbox (topic, reply threading, copies of patients' media by file reference), and the last
staff message relayed on a case.

Plain nullable columns without foreign keys: SQLite adds and drops them in place.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_MESSAGE_COLUMNS = ('thread_id', 'reply_to_message_id', 'copy_from_chat_id', 'copy_message_id')


def upgrade() -> None:
    op.add_column('patients', sa.Column('staff_topic_id', sa.BigInteger(), nullable=True))
    for column in _MESSAGE_COLUMNS:
        op.add_column('scheduled_messages', sa.Column(column, sa.BigInteger(), nullable=True))
    op.create_index('ix_messages_posted', 'scheduled_messages',
                    ['chat_id', 'telegram_message_id'], unique=False)
    op.add_column('escalations',
                  sa.Column('staff_reply_message_id', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column('escalations', 'staff_reply_message_id')
    op.drop_index('ix_messages_posted', table_name='scheduled_messages')
    for column in reversed(_MESSAGE_COLUMNS):
        op.drop_column('scheduled_messages', column)
    op.drop_column('patients', 'staff_topic_id')
