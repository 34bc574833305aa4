"""Typed SQLAlchemy 2 models; every datetime column stores an aware UTC instant, and every
status, kind and outcome column a core.statuses enum (as its plain text)."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Subquery,
    Text,
    TypeDecorator,
    UniqueConstraint,
    column,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.statuses import (
    AuditOutcome,
    BookingStatus,
    CaseClosure,
    CourseStatus,
    EnrollmentStatus,
    EscalationKind,
    EscalationStatus,
    MessageKind,
    MessageStatus,
    PatientStatus,
)

LAST_ERROR_CHARS = 300  # scheduled_messages.last_error; longer errors are cut

E = TypeVar("E", bound=enum.StrEnum)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; rejects naive ones; returns aware UTC (also on SQLite)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EnumString(TypeDecorator[E]):
    """A VARCHAR holding a core.statuses enum: members (or their plain text) go in, members
    come out. The stored text is the member's value, so the schema is a plain String."""

    impl = String
    cache_ok = True

    def __init__(self, enum_type: type[E], length: int) -> None:
        super().__init__(length)
        self.enum_type = enum_type
        self.length = length
        # A member is a str, so it goes to the driver as it is: no bind processing (a
        # batch's executemany would otherwise process every status literal of every row).
        self._members: dict[str, E] = {member.value: member for member in enum_type}

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        if value is None:
            return None
        member = self._members.get(value)
        return member if member is not None else self.enum_type(value)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _partial(where: str) -> dict[str, Any]:
    """A partial index's WHERE clause, the same on both databases."""
    return {"sqlite_where": text(where), "postgresql_where": text(where)}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
    }


# --- people ---------------------------------------------------------------------------

class StaffMember(Base):
    """A Telegram user allowed to use staff commands (admins from settings are implicit)."""

    __tablename__ = "staff"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    added_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]


class TelegramUser(Base):
    """A Telegram user seen where staff work (a staff member anywhere, anyone in the staff
    chat, anyone asking /myid who is not a patient): the name to show for them and the
    @username `/staff add` finds them by. Never a patient's name (patients are labelled
    by staff)."""

    __tablename__ = "telegram_users"
    __table_args__ = (
        Index("ix_telegram_users_username", func.lower(column("username")).label("username_lower")),
    )

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(128), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(index=True)


class Patient(Base):
    """A person being looked after. `label` is personal data and erased by /forget."""

    __tablename__ = "patients"
    __table_args__ = (
        # The console's search: a label's start in any case (PostgreSQL: LIKE 'x%').
        Index("ix_patients_label_prefix", func.lower(column("label")).label("label_lower"),
              postgresql_ops={"label_lower": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Telegram private chat id (= user id); null until the invite is used, and after erasure.
    chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    label: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16), default="en")
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[PatientStatus] = mapped_column(
        EnumString(PatientStatus, 16), default=PatientStatus.INVITED, index=True
    )
    consented_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    # Last message either way; the retention job counts from here.
    last_activity_at: Mapped[datetime | None] = mapped_column(index=True)
    forgotten_at: Mapped[datetime | None]
    # The forum topic (message_thread_id) holding this patient's cases in the staff chat,
    # when that chat is a forum; created on their first case.
    staff_topic_id: Mapped[int | None] = mapped_column(BigInteger)


class Enrollment(Base):
    """A patient on a protocol for one treatment session."""

    __tablename__ = "enrollments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    protocol_id: Mapped[str] = mapped_column(String(100))
    session_start: Mapped[datetime]
    status: Mapped[EnrollmentStatus] = mapped_column(
        EnumString(EnrollmentStatus, 16), default=EnrollmentStatus.INVITED, index=True
    )
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    # Which session of this protocol for the patient: a new one supersedes the earlier.
    session_number: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class Cancellation(Base):
    """A staff cancel of a patient's care, kept so that it can be undone until `undo_until`:
    which enrollments it cancelled and what each was before (`enrollments`: a list of
    {"id", "status", "invite_id", "invite_expires_at"}), and the outbox row telling the
    patient (`notice_id`). Undone: `undone_at` and by whom."""

    __tablename__ = "cancellations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime]
    undo_until: Mapped[datetime]
    enrollments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    notice_id: Mapped[int | None] = mapped_column(BigInteger)
    undone_at: Mapped[datetime | None]
    undone_by: Mapped[int | None] = mapped_column(BigInteger)


class JoinRequest(Base):
    """A chat that already belongs to a patient accepted an invite made for another record:
    held until staff decide "merge" (the invite's procedure goes to the chat's patient) or
    "apart" (the records stay separate; the invite is void for this chat)."""

    __tablename__ = "join_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    invited_id: Mapped[int] = mapped_column(  # the record staff made for the invite
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    patient_id: Mapped[int] = mapped_column(  # the chat's own patient
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    language: Mapped[str | None] = mapped_column(String(16))  # picked on the consent question
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decision: Mapped[str | None] = mapped_column(String(16))


class ConsentOffer(Base):
    """The consent question a chat was last shown (`/start <code>`), so that a patient who
    types "yes" or "no" instead of pressing a button is answered as by the button."""

    __tablename__ = "consent_offers"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id", ondelete="CASCADE"),
                                           index=True)
    language: Mapped[str | None] = mapped_column(String(16))
    offered_at: Mapped[datetime]


class Invite(Base):
    """A single-use invite code, stored only as its SHA-256 hash."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_chat: Mapped[int | None] = mapped_column(BigInteger)
    # When the link was first opened (/start with the code): "opened, not answered" on
    # Today's list of patients who have not joined yet.
    opened_at: Mapped[datetime | None]


class Consent(Base):
    """Consent on record: which wording of the consent question the patient agreed to (its
    version hash, core/texts/patient.py consent_version), in which language, and when.
    Holds no personal data: kept after erasure as the clinic's record of consent."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="SET NULL")
    )
    text_version: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))
    consented_at: Mapped[datetime]


# --- a course of treatment ------------------------------------------------------------

class Booking(Base):
    """A session booked ahead: its enrollment (status booked until done) and whether the
    patient confirmed it. `starts_at` mirrors the enrollment's session_start (kept in step
    by the services) so Today and the evening list read one indexed table. `sequence` goes
    up on every change: the calendar file's SEQUENCE."""

    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_open", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), unique=True
    )
    starts_at: Mapped[datetime]
    status: Mapped[BookingStatus] = mapped_column(
        EnumString(BookingStatus, 24), default=BookingStatus.BOOKED
    )
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    answered_at: Mapped[datetime | None]  # the patient confirmed, or asked to change it
    wish_at: Mapped[datetime | None]  # their typed wish reached staff (a booking case)
    recorded_at: Mapped[datetime | None]  # done, no-show or cancelled
    recorded_by: Mapped[int | None] = mapped_column(BigInteger)


class PatientCourse(Base):
    """A patient's course of a protocol that declares one: how many sessions are done, and
    how it ended (completed, or dropped and why)."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    protocol_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[CourseStatus] = mapped_column(
        EnumString(CourseStatus, 16), default=CourseStatus.ACTIVE
    )
    sessions_done: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))


class OutcomeAnswer(Base):
    """A patient's answer to an outcome question (how happy with the result, 1-5) and their
    optional comment (personal data: erased by /forget; the score stays, without it)."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="SET NULL")
    )
    protocol_id: Mapped[str] = mapped_column(String(100))
    message_id: Mapped[int] = mapped_column(
        ForeignKey("scheduled_messages.id", ondelete="CASCADE"), unique=True
    )
    score: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    # The patient's next text is their comment until this time (None: not awaited).
    comment_until: Mapped[datetime | None]


class PhotoCheckin(Base):
    """A photo check-in: the photo the patient sent (its Telegram file id and their message,
    never the image: the console fetches it from Telegram on demand) and their answers.
    Erased by /forget (the staff-chat copy too, as a case post)."""

    __tablename__ = "photo_checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="SET NULL")
    )
    message_id: Mapped[int] = mapped_column(
        ForeignKey("scheduled_messages.id", ondelete="CASCADE"), unique=True
    )
    step_id: Mapped[str] = mapped_column(String(100))
    session_number: Mapped[int] = mapped_column(Integer, default=1)
    file_id: Mapped[str] = mapped_column(String(255))
    source_chat_id: Mapped[int] = mapped_column(BigInteger)
    source_message_id: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime]
    swelling: Mapped[bool | None] = mapped_column(Boolean)
    pain: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[datetime | None]
    # The case its answers opened or joined, if any (no foreign key, like case_id).
    escalation_id: Mapped[int | None] = mapped_column(Integer)


# --- delivery -------------------------------------------------------------------------

class ScheduledMessage(Base):
    """The outbox: the only record of what must be sent, and what became of it.

    status: pending -> sending (leased) -> sent | expired | cancelled | failed.
    `available_at` is when it may next be claimed (due time, or a retry's backoff).
    `patient_id` is the patient the message goes to; a staff alert goes to the alert chat,
    has no patient_id and names the patient it is about in `about_patient_id` (so erasure
    finds it). That column has no foreign key: patient rows are never deleted (erasure
    keeps them), and without one SQLite adds and drops the column in place.
    """

    __tablename__ = "scheduled_messages"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "step_id", "occurrence", name="uq_message_step"),
        # Every index here holds only the rows it is for (migration 0013), so that a
        # patient's reminder claimed and recorded writes as few entries as can be.
        # Due rows (the claim, the next due time) and leased ones (leases run out).
        Index("ix_messages_claim", "available_at", **_partial("status = 'pending'")),
        Index("ix_messages_lease", "lease_expires_at", **_partial("status = 'sending'")),
        # A staff reply to one of our posts: which case (and patient) it answers. Staff
        # chats are groups (negative ids); a query says chat_id < 0 to use it.
        Index("ix_messages_posted", "chat_id", "telegram_message_id", **_partial("chat_id < 0")),
        Index("ix_messages_finished", "status", "finished_at",
              **_partial("finished_at IS NOT NULL")),
        # A page of patients' next pending message (the console's search).
        Index("ix_messages_patient_status", "patient_id", **_partial("status = 'pending'")),
        # Staff posts and case timers (every lookup is by equality).
        Index("ix_scheduled_messages_about_patient_id", "about_patient_id",
              **_partial("about_patient_id IS NOT NULL")),
        Index("ix_scheduled_messages_case_id", "case_id", **_partial("case_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    about_patient_id: Mapped[int | None] = mapped_column(Integer)
    # An escalation timer of this case (re-alert, patient follow-up): dropped once the case
    # is no longer open. No foreign key, like about_patient_id.
    case_id: Mapped[int | None] = mapped_column(Integer)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    step_id: Mapped[str] = mapped_column(String(100))
    occurrence: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[MessageKind] = mapped_column(
        EnumString(MessageKind, 16), default=MessageKind.REMINDER
    )
    text: Mapped[str] = mapped_column(Text)
    # For check-ins: [{"id": ..., "text": ...}] rendered in the patient's language.
    options: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    due_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    moved_by_quiet_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    respects_quiet_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[MessageStatus] = mapped_column(
        EnumString(MessageStatus, 16), default=MessageStatus.PENDING
    )
    available_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(LAST_ERROR_CHARS))
    created_at: Mapped[datetime]
    # Staff-chat posts: the forum topic, the message it answers (threading in a group
    # without topics), and for a copy the patient's message (chat, id) to copy. File ids
    # only: nothing a patient sends is downloaded or stored.
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    reply_to_message_id: Mapped[int | None] = mapped_column(BigInteger)
    copy_from_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    copy_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # An album the patient sent: every message of it (copy_message_id is the first), copied
    # together with copyMessages.
    copy_message_ids: Mapped[list[int] | None] = mapped_column(JSON)
    # Every message a post made in its chat when it made more than one (an album's copies;
    # telegram_message_id is the first): erasure deletes each.
    posted_message_ids: Mapped[list[int] | None] = mapped_column(JSON)


def message_status_is(status: MessageStatus) -> ColumnElement[bool]:
    """`scheduled_messages.status = '<status>'` written out as a literal. The claim, lease
    and per-patient indexes hold one status's rows (migration 0013); a bound parameter
    hides which status a query means from a PostgreSQL generic plan (a prepared statement
    after its fifth run), which then reads the whole table."""
    return ScheduledMessage.__table__.c.status == literal_column(f"'{status.value}'")


# The due backlog is counted up to this many messages: enough to say how far behind
# delivery is, and a health check stays cheap whatever the backlog.
DUE_COUNT_CAP = 10_000


def due_pending(now: datetime) -> Subquery:
    """Pending messages due at `now` (available_at <= now), oldest first, at most
    DUE_COUNT_CAP of them: count them and take their oldest times from this.

    Read in available_at order, so PostgreSQL walks the claim index from its start and
    stops at `now`. Asked for a plain count, it reads another pending index whole instead:
    a clinic's pending messages are nearly all in the future, which its estimate of
    "available_at <= now" (made over every status) does not know; 0.1 s at 100,000
    patients, for a health check."""
    m = ScheduledMessage
    return (
        select(m.available_at, m.due_at)
        .where(message_status_is(MessageStatus.PENDING), m.available_at <= now)
        .order_by(m.available_at)
        .limit(DUE_COUNT_CAP)
        .subquery()
    )


class DeliveryPacing(Base):
    """Shared send-rate state, so the global limit holds across every delivery process."""

    __tablename__ = "delivery_pacing"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Epoch seconds of the next free send slot; also a pause until here after RetryAfter.
    next_slot: Mapped[float] = mapped_column(Float, default=0.0)
    paused_until: Mapped[float] = mapped_column(Float, default=0.0)


class ChatPacing(Base):
    """Per-chat pacing: no chat gets more than one message per `per_chat_seconds`."""

    __tablename__ = "chat_pacing"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    next_allowed: Mapped[float] = mapped_column(Float, default=0.0)


# --- conversations --------------------------------------------------------------------

class CheckinAnswer(Base):
    """A patient's answer to a check-in question."""

    __tablename__ = "checkin_answers"
    __table_args__ = (UniqueConstraint("message_id", name="uq_checkin_answer_message"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("scheduled_messages.id", ondelete="CASCADE")
    )
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE")
    )
    step_id: Mapped[str] = mapped_column(String(100))
    option_id: Mapped[str] = mapped_column(String(100))
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime]


class Escalation(Base):
    """Something staff must see: a red flag, an escalating check-in, a hand-off, a failure.

    `alert_message_id` is the message in the staff chat; a reply to it is relayed back.
    `patient_text` is the patient's own words (personal data: erased by /forget).
    """

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="SET NULL")
    )
    kind: Mapped[EscalationKind] = mapped_column(EnumString(EscalationKind, 32))
    rule_id: Mapped[str | None] = mapped_column(String(100))
    patient_text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[EscalationStatus] = mapped_column(
        EnumString(EscalationStatus, 16), default=EscalationStatus.OPEN, index=True
    )
    alert_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    alert_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]  # resolved at
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(BigInteger)
    resolved_by: Mapped[int | None] = mapped_column(BigInteger)
    assigned_to: Mapped[int | None] = mapped_column(BigInteger)
    # The last staff message relayed to the patient: in a group without topics the
    # patient's next messages are posted as replies to it.
    staff_reply_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # Something urgent joined the case and made it urgent again: when, and its words
    # (personal data: erased by /forget). The card and the console show these first.
    raised_at: Mapped[datetime | None]
    raised_text: Mapped[str | None] = mapped_column(Text)
    # The current run of the escalation ladder: its outbox timers carry it in step_id
    # ("ladder:<run>"), so a timer of an earlier run never queues a page of its own.
    ladder_run: Mapped[int] = mapped_column(Integer, server_default="0")
    # Closed without a staff member, and why (a CaseClosure, e.g. erased by the patient).
    closed_reason: Mapped[CaseClosure | None] = mapped_column(EnumString(CaseClosure, 32))


class CaseMessage(Base):
    """What joined an open case later: the patient's words (erased by /forget) and the
    staff-chat post showing them (a reply to it is relayed like a reply to the card)."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    kind: Mapped[EscalationKind] = mapped_column(EnumString(EscalationKind, 32))
    patient_text: Mapped[str | None] = mapped_column(Text)
    alert_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    alert_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)


class AuditEvent(Base):
    """Who did what, and whether it was allowed. Holds ids, never names or message texts."""

    __tablename__ = "audit_events"
    __table_args__ = (
        # A patient's history, newest first: events naming them as target or in detail.
        Index("ix_audit_target_at", "target", "at"),
        Index("ix_audit_detail_at", "detail", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[AuditOutcome] = mapped_column(EnumString(AuditOutcome, 16))
    target: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str | None] = mapped_column(String(300))


class InboundUpdate(Base):
    """A webhook update persisted before Telegram gets its 200 (processed exactly once)."""

    __tablename__ = "inbound_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None] = mapped_column(index=True)
    # What handling this update did that must not be done twice ("patient:12", "relay"),
    # written in the same transaction as the effect: a replay after a crash sees it.
    effect: Mapped[str | None] = mapped_column(String(64))


# --- staff console --------------------------------------------------------------------

class ConsoleToken(Base):
    """A staff console credential, stored only as its SHA-256 hash: a one-time sign-in link
    (`kind` "link": single use, minutes long) or a signed-in browser session ("session").
    `ended_at` is when a link was used or a session signed out; roles are not stored, they
    are read from the staff rules on every request."""

    __tablename__ = "console_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
