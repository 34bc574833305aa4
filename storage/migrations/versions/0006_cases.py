"""Cases: escalations become open -> acknowledged -> resolved, with who and when, an
assignee, the messages that joined a case, and escalation timers in the outbox.

Rows "closed" before become "resolved" (their closed_at is the resolution time). Downgrade:
acknowledged is still unresolved, so it goes back to "open"; resolved goes back to
"closed". The new columns are plain (no foreign key), so SQLite adds and drops them in
place (no batch copy, which would cascade-delete rows that reference them); case_messages is a new table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('escalations', sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('escalations', sa.Column('acknowledged_by', sa.BigInteger(), nullable=True))
    op.add_column('escalations', sa.Column('resolved_by', sa.BigInteger(), nullable=True))
    op.add_column('escalations', sa.Column('assigned_to', sa.BigInteger(), nullable=True))
    op.execute("UPDATE escalations SET status = 'resolved' WHERE status = 'closed'")
    op.create_table('case_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('patient_text', sa.Text(), nullable=True),
    sa.Column('alert_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('alert_message_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_case_messages_escalation_id_escalations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_messages'))
    )
    with op.batch_alter_table('case_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_messages_escalation_id'), ['escalation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_messages_alert_message_id'), ['alert_message_id'], unique=False)
    op.add_column('scheduled_messages', sa.Column('case_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_scheduled_messages_case_id'), 'scheduled_messages', ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_scheduled_messages_case_id'), table_name='scheduled_messages')
    op.drop_column('scheduled_messages', 'case_id')
    with op.batch_alter_table('case_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_messages_alert_message_id'))
        batch_op.drop_index(batch_op.f('ix_case_messages_escalation_id'))
    op.drop_table('case_messages')
    op.execute("UPDATE escalations SET status = 'open' WHERE status = 'acknowledged'")
    op.execute("UPDATE escalations SET status = 'closed' WHERE status = 'resolved'")
    for column in ('assigned_to', 'resolved_by', 'acknowledged_by', 'acknowledged_at'):
        op.drop_column('escalations', column)
