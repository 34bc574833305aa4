"""A course of treatment: sessions booked ahead and their confirmation (bookings), a
patient's course of a protocol (courses), outcome answers (outcomes), photo check-ins
(photo_checkins, Telegram file ids only), consent on record (consents), and when an invite
link was first opened (invites.opened_at).

New tables, and one plain nullable column SQLite adds and drops in place.

Revision ID: 0012
Revises: 0011 (written on 0009; chained after 0010 and 0011 as main gained them)
Create Date: 2026-12-14

"""
from typing import Any, Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _id() -> 'sa.Column[Any]':
    return sa.Column('id', sa.Integer(), nullable=False)


def _patient(table: str) -> list[Any]:
    return [
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['patient_id'], ['patients.id'],
                                name=op.f(f'fk_{table}_patient_id_patients'), ondelete='CASCADE'),
    ]


def _enrollment(table: str, *, required: bool = False) -> list[Any]:
    return [
        sa.Column('enrollment_id', sa.Integer(), nullable=not required),
        sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'],
                                name=op.f(f'fk_{table}_enrollment_id_enrollments'),
                                ondelete='CASCADE' if required else 'SET NULL'),
    ]


def _message(table: str) -> list[Any]:
    return [
        sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['scheduled_messages.id'],
                                name=op.f(f'fk_{table}_message_id_scheduled_messages'),
                                ondelete='CASCADE'),
        sa.UniqueConstraint('message_id', name=op.f(f'uq_{table}_message_id')),
    ]


def upgrade() -> None:
    op.add_column('invites', sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'consents', _id(), *_patient('consents'), *_enrollment('consents'),
        sa.Column('text_version', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('consented_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consents')),
    )
    op.create_index(op.f('ix_consents_patient_id'), 'consents', ['patient_id'], unique=False)
    op.create_table(
        'bookings', _id(), *_patient('bookings'), *_enrollment('bookings', required=True),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('sequence', sa.Integer(), server_default='0', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.BigInteger(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('wish_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recorded_by', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
        sa.UniqueConstraint('enrollment_id', name=op.f('uq_bookings_enrollment_id')),
    )
    op.create_index('ix_bookings_open', 'bookings', ['status', 'starts_at'], unique=False)
    op.create_index(op.f('ix_bookings_patient_id'), 'bookings', ['patient_id'], unique=False)
    op.create_table(
        'courses', _id(), *_patient('courses'),
        sa.Column('protocol_id', sa.String(length=100), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('sessions_done', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('end_reason', sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_courses')),
    )
    op.create_index(op.f('ix_courses_patient_id'), 'courses', ['patient_id'], unique=False)
    op.create_table(
        'outcomes', _id(), *_patient('outcomes'), *_enrollment('outcomes'),
        sa.Column('protocol_id', sa.String(length=100), nullable=False),
        *_message('outcomes'),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('comment_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outcomes')),
    )
    op.create_index(op.f('ix_outcomes_answered_at'), 'outcomes', ['answered_at'], unique=False)
    op.create_index(op.f('ix_outcomes_patient_id'), 'outcomes', ['patient_id'], unique=False)
    op.create_table(
        'photo_checkins', _id(), *_patient('photo_checkins'), *_enrollment('photo_checkins'),
        *_message('photo_checkins'),
        sa.Column('step_id', sa.String(length=100), nullable=False),
        sa.Column('session_number', sa.Integer(), nullable=False),
        sa.Column('file_id', sa.String(length=255), nullable=False),
        sa.Column('source_chat_id', sa.BigInteger(), nullable=False),
        sa.Column('source_message_id', sa.BigInteger(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('swelling', sa.Boolean(), nullable=True),
        sa.Column('pain', sa.Integer(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('escalation_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_photo_checkins')),
    )
    op.create_index(op.f('ix_photo_checkins_patient_id'), 'photo_checkins', ['patient_id'],
                    unique=False)


def downgrade() -> None:
    for table in ('photo_checkins', 'outcomes', 'courses', 'bookings', 'consents'):
        op.drop_table(table)
    op.drop_column('invites', 'opened_at')
