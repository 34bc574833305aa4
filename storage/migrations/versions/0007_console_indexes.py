"""Console indexes: the staff console's pages read by index, not by scanning, at 100,000
patients and a million outbox rows (bench/console_latency.py).

- scheduled_messages (status, finished_at): Today's failed deliveries of the last 24 h.
- scheduled_messages (patient_id, status): a page of patients' next pending message (with
  only patient_id, SQLite preferred the status index and walked every pending row).
- audit_events (target, at) and (detail, at): a patient's history, newest first.
- patients lower(label): the patient search, a case-insensitive prefix of the label; on
  PostgreSQL with text_pattern_ops, so LIKE 'prefix%' uses it in any database collation.

Downgrade drops them; no data changes either way.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_messages_finished', 'scheduled_messages', ['status', 'finished_at'], unique=False)
    op.create_index('ix_messages_patient_status', 'scheduled_messages', ['patient_id', 'status'], unique=False)
    op.create_index('ix_audit_target_at', 'audit_events', ['target', 'at'], unique=False)
    op.create_index('ix_audit_detail_at', 'audit_events', ['detail', 'at'], unique=False)
    op.create_index(
        'ix_patients_label_prefix', 'patients',
        [sa.func.lower(sa.column('label')).label('label_lower')],
        unique=False, postgresql_ops={'label_lower': 'text_pattern_ops'},
    )


def downgrade() -> None:
    op.drop_index('ix_patients_label_prefix', table_name='patients')
    op.drop_index('ix_audit_detail_at', table_name='audit_events')
    op.drop_index('ix_audit_target_at', table_name='audit_events')
    op.drop_index('ix_messages_patient_status', table_name='scheduled_messages')
    op.drop_index('ix_messages_finished', table_name='scheduled_messages')
