"""The front desk (issue 21): staff by name, undoable cancels, returning patients asked
about, consent by typing, and patient search by any part of the label.

- telegram_users: the names and @usernames of staff (and of people seen in the staff chat
  or asking /myid), for cards, Today, /cases, /staff list and `/staff add @username`.
- cancellations: what a cancel did, so /undo (or its button) can put it back for a day.
- join_requests: a chat that already belongs to a patient accepting another record's
  invite, held until staff decide.
- consent_offers: the consent question a chat was last shown (a typed "yes" answers it).
- The label search index. SQLite: an FTS5 table with the trigram tokenizer over
  patients.label (external content, kept in step by triggers; SQLite 3.34 or newer).
  PostgreSQL: the pg_trgm extension and a GIN trigram index on lower(label), without a
  pending list (pg_trgm is a trusted extension: the database's owner may create it;
  PostgreSQL 13 or newer).
  Neither is a model (storage/patient_search.py names them for the schema comparison).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-12

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE patients_search USING fts5("
    "label, content='patients', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER patients_search_insert AFTER INSERT ON patients BEGIN "
    "INSERT INTO patients_search(rowid, label) VALUES (new.id, new.label); END",
    "CREATE TRIGGER patients_search_delete AFTER DELETE ON patients BEGIN "
    "INSERT INTO patients_search(patients_search, rowid, label) "
    "VALUES ('delete', old.id, old.label); END",
    "CREATE TRIGGER patients_search_update AFTER UPDATE OF label ON patients BEGIN "
    "INSERT INTO patients_search(patients_search, rowid, label) "
    "VALUES ('delete', old.id, old.label); "
    "INSERT INTO patients_search(rowid, label) VALUES (new.id, new.label); END",
    "INSERT INTO patients_search(patients_search) VALUES ('rebuild')",
)


def upgrade() -> None:
    op.create_table(
        'telegram_users',
        sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('name', sa.String(length=128), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=True),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_telegram_users')),
    )
    op.create_index(op.f('ix_telegram_users_seen_at'), 'telegram_users', ['seen_at'],
                    unique=False)
    op.create_index('ix_telegram_users_username', 'telegram_users',
                    [sa.func.lower(sa.column('username')).label('username_lower')], unique=False)
    op.create_table(
        'cancellations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.BigInteger(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('undo_until', sa.DateTime(timezone=True), nullable=False),
        sa.Column('enrollments', sa.JSON(), nullable=False),
        sa.Column('notice_id', sa.BigInteger(), nullable=True),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('undone_by', sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(['patient_id'], ['patients.id'],
                                name=op.f('fk_cancellations_patient_id_patients'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cancellations')),
    )
    op.create_index(op.f('ix_cancellations_patient_id'), 'cancellations', ['patient_id'],
                    unique=False)
    op.create_table(
        'join_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrollment_id', sa.Integer(), nullable=False),
        sa.Column('invited_id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('chat_id', sa.BigInteger(), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.BigInteger(), nullable=True),
        sa.Column('decision', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'],
                                name=op.f('fk_join_requests_enrollment_id_enrollments'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invited_id'], ['patients.id'],
                                name=op.f('fk_join_requests_invited_id_patients'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['patient_id'], ['patients.id'],
                                name=op.f('fk_join_requests_patient_id_patients'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_join_requests')),
    )
    for column in ('enrollment_id', 'invited_id', 'patient_id', 'chat_id'):
        op.create_index(op.f(f'ix_join_requests_{column}'), 'join_requests', [column],
                        unique=False)
    op.create_table(
        'consent_offers',
        sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('invite_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=True),
        sa.Column('offered_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['invite_id'], ['invites.id'],
                                name=op.f('fk_consent_offers_invite_id_invites'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_consent_offers')),
    )
    op.create_index(op.f('ix_consent_offers_invite_id'), 'consent_offers', ['invite_id'],
                    unique=False)
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for statement in _SQLITE_SEARCH:
            op.execute(statement)
    elif bind.dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        # fastupdate off: a new label goes into the index at once (patients are enrolled
        # one at a time), not into a pending list every search would scan until vacuum.
        op.execute('CREATE INDEX ix_patients_label_trgm ON patients '
                   'USING gin (lower(label) gin_trgm_ops) WITH (fastupdate = off)')


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for trigger in ('insert', 'delete', 'update'):
            op.execute(f'DROP TRIGGER IF EXISTS patients_search_{trigger}')
        op.execute('DROP TABLE IF EXISTS patients_search')
    elif bind.dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_patients_label_trgm')
        # The extension stays: another schema in the database may use it.
    op.drop_index(op.f('ix_consent_offers_invite_id'), table_name='consent_offers')
    op.drop_table('consent_offers')
    for column in ('chat_id', 'patient_id', 'invited_id', 'enrollment_id'):
        op.drop_index(op.f(f'ix_join_requests_{column}'), table_name='join_requests')
    op.drop_table('join_requests')
    op.drop_index(op.f('ix_cancellations_patient_id'), table_name='cancellations')
    op.drop_table('cancellations')
    op.drop_index('ix_telegram_users_username', table_name='telegram_users')
    op.drop_index(op.f('ix_telegram_users_seen_at'), table_name='telegram_users')
    op.drop_table('telegram_users')
