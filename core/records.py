"""Stored facts as frozen values: what the repositories return instead of ORM objects."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Protocol

from core.clock import require_aware
from core.statuses import (
    AuditOutcome,
    BookingStatus,
    CourseStatus,
    EnrollmentStatus,
    EscalationKind,
    EscalationStatus,
    MessageKind,
    MessageStatus,
    PatientStatus,
)

ERASED_CHAT_ID = 0  # scheduled_messages.chat_id of a forgotten patient (the column is NOT NULL)
# The largest id of a patient, enrollment, case...: their columns are INTEGER, 32 bits on
# PostgreSQL, which refuses a larger number in a query (an error, not "no such row").
ROW_ID_MAX = 2**31 - 1


def row_id(text: str) -> int | None:
    """`text` as a row id ("12", "#12"), or None when it is no id a row can have: not plain
    ASCII digits, zero, or beyond ROW_ID_MAX (a phone number typed into a search)."""
    digits = text.strip().removeprefix("#")
    if not digits.isascii() or not digits.isdigit() or len(digits) > len(str(ROW_ID_MAX)):
        return None
    value = int(digits)
    return value if 0 < value <= ROW_ID_MAX else None


# Each record class's field names, read once: records are built by the page (a Patients
# page of 30 rows builds 60), and dataclasses.fields() is not cheap.
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


class _AwareRecord:
    """Mixin: every datetime field of a record must be aware (None is allowed)."""

    def __post_init__(self) -> None:
        kind = type(self)
        names = _FIELD_NAMES.get(kind)
        if names is None:
            names = _FIELD_NAMES[kind] = tuple(
                item.name for item in fields(self))  # type: ignore[arg-type]
        for name in names:
            value = getattr(self, name)
            if isinstance(value, datetime) and value.utcoffset() is None:
                require_aware(value, f"{kind.__name__}.{name}")  # raises, naming the field


class PlannedMessageLike(Protocol):
    """What `messages.insert_plan` needs of a planned message (core.plans.PlannedMessage fits)."""

    @property
    def step_id(self) -> str: ...
    @property
    def occurrence(self) -> int: ...
    @property
    def kind(self) -> Any: ...  # a MessageKind value: "reminder" | "checkin" (str or enum)
    @property
    def text(self) -> str: ...
    @property
    def options(self) -> Sequence[Any] | None: ...  # (id, text) pairs, mappings or objects
    @property
    def due_at(self) -> datetime: ...
    @property
    def expires_at(self) -> datetime | None: ...
    @property
    def moved_by_quiet_hours(self) -> bool: ...
    @property
    def respects_quiet_hours(self) -> bool: ...
    @property
    def status(self) -> Any: ...  # a MessageStatus.PLANNED value: "pending" | "expired"


@dataclass(frozen=True, kw_only=True)
class StaffRecord(_AwareRecord):
    user_id: int
    is_admin: bool
    added_by: int | None
    added_at: datetime
    removed_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class TelegramUserRecord(_AwareRecord):
    """A Telegram user seen where staff work: how to show them, how to find them."""

    user_id: int
    name: str  # first and last name as Telegram gives them ("" when none)
    username: str | None  # without the @
    seen_at: datetime


@dataclass(frozen=True, kw_only=True)
class PatientRecord(_AwareRecord):
    id: int
    chat_id: int | None
    label: str | None  # personal data: never log it
    language: str
    timezone: str
    status: PatientStatus
    consented_at: datetime | None
    created_at: datetime
    created_by: int | None
    last_activity_at: datetime | None
    forgotten_at: datetime | None
    staff_topic_id: int | None = None  # their forum topic in the staff chat, once made


@dataclass(frozen=True, kw_only=True)
class EnrollmentRecord(_AwareRecord):
    id: int
    patient_id: int
    protocol_id: str
    session_start: datetime
    status: EnrollmentStatus
    created_by: int | None
    created_at: datetime
    cancelled_at: datetime | None
    session_number: int = 1  # 2 for the second session of the protocol, and so on


@dataclass(frozen=True, kw_only=True)
class PatientOverview:
    """A patient with their enrollments, newest first (for /patients)."""

    patient: PatientRecord
    enrollments: tuple[EnrollmentRecord, ...]


@dataclass(frozen=True, kw_only=True)
class CancelledEnrollment:
    """One enrollment a cancel cut, and what it was before (to put it back on undo)."""

    id: int
    status: EnrollmentStatus
    invite_id: int | None = None  # its unused invite, voided by the cancel
    invite_expires_at: datetime | None = None  # that invite's expiry before the cancel


@dataclass(frozen=True, kw_only=True)
class CancellationRecord(_AwareRecord):
    """A staff cancel of a patient's care; undoable until `undo_until` unless undone."""

    id: int
    patient_id: int
    staff_id: int | None
    at: datetime
    undo_until: datetime
    enrollments: tuple[CancelledEnrollment, ...]
    notice_id: int | None  # the outbox row telling the patient
    undone_at: datetime | None
    undone_by: int | None


@dataclass(frozen=True, kw_only=True)
class JoinRequestRecord(_AwareRecord):
    """A chat bound to `patient_id` accepted the invite made for `invited_id`: held until
    staff decide "merge" or "apart"."""

    id: int
    enrollment_id: int
    invited_id: int
    patient_id: int
    chat_id: int
    language: str | None
    created_at: datetime
    decided_at: datetime | None
    decided_by: int | None
    decision: str | None


@dataclass(frozen=True, kw_only=True)
class InviteRecord(_AwareRecord):
    id: int
    enrollment_id: int
    code_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by_chat: int | None
    opened_at: datetime | None = None


class ClaimStatus(enum.StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    THROTTLED = "throttled"  # too many bad codes from this chat lately: not even looked up


@dataclass(frozen=True, kw_only=True)
class InviteClaim:
    """The outcome of claiming (or peeking at) a code; `invite` is None only when unknown."""

    status: ClaimStatus
    invite: InviteRecord | None


@dataclass(frozen=True, kw_only=True)
class MessageOption:
    id: str
    text: str


@dataclass(frozen=True, kw_only=True)
class MessageRecord(_AwareRecord):
    id: int
    enrollment_id: int | None
    patient_id: int | None  # the patient it goes to (None for a staff alert)
    about_patient_id: int | None  # a staff alert: the patient it is about
    chat_id: int
    step_id: str
    occurrence: int
    kind: MessageKind
    text: str
    options: tuple[MessageOption, ...]
    due_at: datetime
    expires_at: datetime | None
    moved_by_quiet_hours: bool
    respects_quiet_hours: bool
    status: MessageStatus
    available_at: datetime
    attempts: int
    lease_owner: str | None
    lease_expires_at: datetime | None
    telegram_message_id: int | None
    sent_at: datetime | None
    finished_at: datetime | None
    last_error: str | None
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class PlanReplacement:
    """What `messages.replace_pending` did to an enrollment's pending messages."""

    updated: int
    inserted: int
    cancelled: int


@dataclass(frozen=True, kw_only=True)
class MessageStats(_AwareRecord):
    """Delivery figures for /stats and metrics."""

    by_status: Mapping[str, int]  # every MessageStatus, in its order, 0 when none
    by_protocol: Mapping[str, Mapping[str, int]]  # protocol id -> status -> count
    due_backlog: int  # pending and due (available_at <= now)
    oldest_due_at: datetime | None  # due_at of the oldest pending message already due


@dataclass(frozen=True, kw_only=True)
class CheckinAnswerRecord(_AwareRecord):
    id: int
    message_id: int
    patient_id: int
    enrollment_id: int | None
    step_id: str
    option_id: str
    escalated: bool
    answered_at: datetime


@dataclass(frozen=True, kw_only=True)
class EscalationRecord(_AwareRecord):
    id: int
    patient_id: int | None
    enrollment_id: int | None
    kind: EscalationKind
    rule_id: str | None
    patient_text: str | None  # the patient's own words: never log them
    status: EscalationStatus
    alert_chat_id: int | None
    alert_message_id: int | None
    created_at: datetime
    closed_at: datetime | None  # when it was resolved
    acknowledged_at: datetime | None = None
    acknowledged_by: int | None = None
    resolved_by: int | None = None
    assigned_to: int | None = None
    staff_reply_message_id: int | None = None  # the last staff message relayed to them
    # The last time something urgent joined the case and made it urgent again, and the
    # words (or check-in answer) that did: never log them.
    raised_at: datetime | None = None
    raised_text: str | None = None
    ladder_run: int = 0  # which run of the escalation ladder is current (0: none yet)
    closed_reason: str | None = None  # a CaseClosure when closed without a staff member

    @property
    def headline(self) -> str | None:
        """The words staff must read first: what made the case urgent last, else the
        words that opened it."""
        return self.raised_text or self.patient_text


@dataclass(frozen=True, kw_only=True)
class CaseMessageRecord(_AwareRecord):
    """A patient message (or alert) that joined an open case after it was opened."""

    id: int
    escalation_id: int
    at: datetime
    kind: EscalationKind
    patient_text: str | None  # the patient's own words: never log them


@dataclass(frozen=True, kw_only=True)
class AuditRecord(_AwareRecord):
    id: int
    at: datetime
    actor_id: int | None
    action: str
    outcome: AuditOutcome
    target: str | None
    detail: str | None


@dataclass(frozen=True, kw_only=True)
class InboundUpdateRecord(_AwareRecord):
    update_id: int
    payload: Mapping[str, Any]
    received_at: datetime
    processed_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class ConsentRecord(_AwareRecord):
    """Consent on record: the consent wording's version hash, its language, and when."""

    id: int
    patient_id: int
    enrollment_id: int | None
    text_version: str
    language: str
    consented_at: datetime


@dataclass(frozen=True, kw_only=True)
class BookingRecord(_AwareRecord):
    """A session booked ahead (its enrollment is "booked" until done) and its confirmation."""

    id: int
    patient_id: int
    enrollment_id: int
    starts_at: datetime
    status: BookingStatus
    sequence: int
    created_at: datetime
    created_by: int | None
    answered_at: datetime | None
    wish_at: datetime | None
    recorded_at: datetime | None
    recorded_by: int | None


@dataclass(frozen=True, kw_only=True)
class CourseRecord(_AwareRecord):
    """A patient's course of a protocol (core/course.py)."""

    id: int
    patient_id: int
    protocol_id: str
    status: CourseStatus
    sessions_done: int
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None


@dataclass(frozen=True, kw_only=True)
class OutcomeRecord(_AwareRecord):
    """An answer to an outcome question; `comment` is the patient's own words (never log)."""

    id: int
    patient_id: int
    enrollment_id: int | None
    protocol_id: str
    message_id: int
    score: int
    answered_at: datetime
    comment: str | None
    comment_until: datetime | None


@dataclass(frozen=True, kw_only=True)
class PhotoCheckinRecord(_AwareRecord):
    """A photo check-in: the Telegram file id of the patient's photo (never the image) and
    their answers (swelling yes/no, pain 0-10), None until given."""

    id: int
    patient_id: int
    enrollment_id: int | None
    message_id: int
    step_id: str
    session_number: int
    file_id: str
    source_chat_id: int
    source_message_id: int
    received_at: datetime
    swelling: bool | None
    pain: int | None
    answered_at: datetime | None
    escalation_id: int | None
