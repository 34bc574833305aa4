"""What the status, kind and outcome columns hold, as string enums, with the groups rules use.

Every value is exactly the text stored in the database, and a member compares equal to (and
hashes like) that text: `PatientStatus.ACTIVE == "active"`. Groups are class attributes,
e.g. `MessageStatus.TERMINAL`; they are frozensets of members.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar, TypeVar

E = TypeVar("E", bound=enum.StrEnum)


def parse(enum_type: type[E], value: str, what: str) -> E:
    """The member of `enum_type` whose text is `value`; ValueError "unknown <what> ..." if none.

    (`value in enum_type` cannot be used for this: Python 3.11 raises TypeError for a str.)
    """
    try:
        return enum_type(value)
    except ValueError:
        raise ValueError(f"unknown {what} {str(value)!r}") from None


class PatientStatus(enum.StrEnum):
    """patients.status: invited until consent, then active; stopped by /stop, unreachable
    once the chat blocked the bot, forgotten after erasure (final); merged when staff
    added the record's invitation to the patient whose chat accepted it (final: the
    record keeps its label, its procedure is the other patient's now)."""

    INVITED = "invited"
    ACTIVE = "active"
    STOPPED = "stopped"
    UNREACHABLE = "unreachable"
    FORGOTTEN = "forgotten"
    MERGED = "merged"

    # Still being looked after: messages go out, a blocked chat makes them unreachable.
    LIVE: ClassVar[frozenset[PatientStatus]]
    # Nothing more is sent to them: delivery cancels their messages instead.
    GONE: ClassVar[frozenset[PatientStatus]]


PatientStatus.LIVE = frozenset({PatientStatus.INVITED, PatientStatus.ACTIVE})
PatientStatus.GONE = frozenset(
    {PatientStatus.STOPPED, PatientStatus.UNREACHABLE, PatientStatus.FORGOTTEN,
     PatientStatus.MERGED}
)


class EnrollmentStatus(enum.StrEnum):
    """enrollments.status: invited until consent, then active; cancelled by staff, stopped
    by the patient (/stop, /forget), superseded by a newer session of the same protocol.
    A session booked ahead (`/session <id> <future time>`) is booked: its pre-care runs,
    and it becomes active (its aftercare starts) when staff record it as done."""

    INVITED = "invited"
    ACTIVE = "active"
    BOOKED = "booked"
    CANCELLED = "cancelled"
    STOPPED = "stopped"
    SUPERSEDED = "superseded"

    # Still have a future: what /cancel and /reschedule act on, and what /stop stops.
    LIVE: ClassVar[frozenset[EnrollmentStatus]]
    # Over: delivery cancels their messages instead of sending them.
    GONE: ClassVar[frozenset[EnrollmentStatus]]


EnrollmentStatus.LIVE = frozenset(
    {EnrollmentStatus.INVITED, EnrollmentStatus.ACTIVE, EnrollmentStatus.BOOKED}
)
EnrollmentStatus.GONE = frozenset(
    {EnrollmentStatus.CANCELLED, EnrollmentStatus.STOPPED, EnrollmentStatus.SUPERSEDED}
)


class MessageStatus(enum.StrEnum):
    """scheduled_messages.status: pending -> sending (leased by a delivery process) ->
    sent | expired | cancelled | failed. The order here is the order /stats lists them in."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    FAILED = "failed"

    # May still go out.
    OPEN: ClassVar[frozenset[MessageStatus]]
    # Final: nothing changes a message in one of these any more.
    TERMINAL: ClassVar[frozenset[MessageStatus]]
    # What a freshly made plan gives a message (expired: past its expiry already).
    PLANNED: ClassVar[frozenset[MessageStatus]]


MessageStatus.OPEN = frozenset({MessageStatus.PENDING, MessageStatus.SENDING})
MessageStatus.TERMINAL = frozenset(
    {MessageStatus.SENT, MessageStatus.EXPIRED, MessageStatus.CANCELLED, MessageStatus.FAILED}
)
MessageStatus.PLANNED = frozenset({MessageStatus.PENDING, MessageStatus.EXPIRED})


class MessageKind(enum.StrEnum):
    """scheduled_messages.kind: a protocol's reminder or check-in question (to a patient),
    or a post to the staff chat. Every staff-chat post goes through the outbox, so
    Telegram's group limit is kept (delivery paces groups) and nothing is lost."""

    REMINDER = "reminder"
    CHECKIN = "checkin"
    ALERT = "alert"  # a staff notice, or an escalation timer when it has a case_id
    CARD = "card"  # a case's first post: carries the case buttons
    POST = "post"  # a later message of a case, or a notice about a patient, to staff
    COPY = "copy"  # a patient's photo, voice, video or document copied to their case
    CARD_EDIT = "card_edit"  # a case's card redrawn (acted on elsewhere, e.g. the console)
    TOPIC_CLOSE = "topic_close"  # an erased patient's topic: renamed to the bare id, closed
    TOPIC_OPEN = "topic_open"  # a patient's forum topic made (text: its name; id: the topic)
    NOTICE = "notice"  # a staff notice about no one case: failed deliveries, the digest,
    # what an erasure could not remove
    ERASE = "erase"  # a post about an erased patient edited to `text` (reply_to: the post)
    DELETE = "delete"  # a copy of an erased patient's media deleted (reply_to: the copy)
    # A course of treatment (core/course.py), to the patient:
    PHOTO = "photo"  # a photo check-in: a photo of the treated area, then two questions
    OUTCOME = "outcome"  # "how happy are you with the result?" 1-5
    CONFIRM = "confirm"  # a booked session: "I'll be there" / "I need to change it"
    RECALL = "recall"  # the next session is due and none is booked: call / self / finished

    # The groups below are columns of MESSAGE_KINDS (one row per kind, checked complete).
    # A protocol's messages to a patient (everything else goes to staff).
    TO_PATIENT: ClassVar[frozenset[MessageKind]]
    # Messages the patient answers with their buttons (`ci:<message id>:<option id>`).
    ANSWERED: ClassVar[frozenset[MessageKind]]
    # The bot's posts about a patient that stay in a chat (their text names them, or shows
    # their words or media): what erasure edits or deletes.
    ABOUT_PATIENT: ClassVar[frozenset[MessageKind]]
    # What erasure queues to undo those posts; their failures are reported by the erasure
    # itself (storage/outbox_cases.py), never as failed deliveries.
    ERASURE: ClassVar[frozenset[MessageKind]]
    # Rows that go to the staff chat about a case and stay wanted once someone has it.
    CASE_POSTS: ClassVar[frozenset[MessageKind]]


@dataclass(frozen=True, kw_only=True)
class MessageKindRow:
    """What a kind of scheduled message is: see MessageKind's groups."""

    to_patient: bool = False
    answered: bool = False
    about_patient: bool = False
    erasure: bool = False
    case_post: bool = False


_PATIENT = MessageKindRow(to_patient=True)
_ANSWERED = MessageKindRow(to_patient=True, answered=True)
_CASE_POST = MessageKindRow(about_patient=True, case_post=True)
_STAFF = MessageKindRow()
MESSAGE_KINDS: dict[MessageKind, MessageKindRow] = {
    MessageKind.REMINDER: _PATIENT,
    MessageKind.CHECKIN: _ANSWERED,
    MessageKind.PHOTO: _PATIENT,
    MessageKind.OUTCOME: _ANSWERED,
    MessageKind.CONFIRM: _ANSWERED,
    MessageKind.RECALL: _ANSWERED,
    MessageKind.ALERT: MessageKindRow(about_patient=True),
    MessageKind.CARD: _CASE_POST,
    MessageKind.POST: _CASE_POST,
    MessageKind.COPY: _CASE_POST,
    MessageKind.CARD_EDIT: _CASE_POST,
    MessageKind.TOPIC_CLOSE: _STAFF,
    MessageKind.TOPIC_OPEN: _STAFF,
    MessageKind.NOTICE: _STAFF,
    MessageKind.ERASE: MessageKindRow(erasure=True),
    MessageKind.DELETE: MessageKindRow(erasure=True),
}
_missing = set(MessageKind) - set(MESSAGE_KINDS)
if _missing:  # pragma: no cover - a programming error, caught at import
    raise RuntimeError(f"core/statuses.py: no MESSAGE_KINDS row for {sorted(_missing)}")


def _kinds(column: str) -> frozenset[MessageKind]:
    return frozenset(kind for kind, row in MESSAGE_KINDS.items() if getattr(row, column))


MessageKind.TO_PATIENT = _kinds("to_patient")
MessageKind.ANSWERED = _kinds("answered")
MessageKind.ABOUT_PATIENT = _kinds("about_patient")
MessageKind.ERASURE = _kinds("erasure")
MessageKind.CASE_POSTS = _kinds("case_post")

# scheduled_messages.step_id of a photo check-in's staff-chat post: a copy of the patient's
# photo whose caption is the row's text (their answers), one post for both.
PHOTO_POST_STEP = "photo-checkin"

# scheduled_messages.thread_id of a staff-chat post for the patient's forum topic that is
# still being made (a TOPIC_OPEN row ahead of it): delivery holds the post until the topic
# exists and its id replaces this (storage/outbox_cases.py), or posts it in the chat itself
# if the topic cannot be made.
TOPIC_PENDING = 0


class EscalationKind(enum.StrEnum):
    """escalations.kind: why staff must look."""

    RED_FLAG = "red_flag"  # the patient's words matched a red-flag rule
    CHECKIN = "checkin"  # a check-in answer that escalates
    HANDOFF = "handoff"  # a question the FAQ could not answer
    DELIVERY = "delivery"  # a delivery failure
    MEDIA = "media"  # a photo, voice note, video or document from the patient
    MESSAGE = "message"  # a later message of an open case (small talk, an FAQ question)
    BOOKING = "booking"  # the patient asks to change a booked session, or to be called
    UNREACHABLE = "unreachable"  # the patient blocked the bot or deleted their account
    OUTCOME = "outcome"  # the patient is unhappy with the result (1 or 2 out of 5)

    # Urgent: the case escalates (the ladder: services/cases.py) until someone acknowledges
    # it, whether it opens a case or joins one.
    URGENT: ClassVar[frozenset[EscalationKind]]


EscalationKind.URGENT = frozenset({EscalationKind.RED_FLAG, EscalationKind.CHECKIN})


def most_urgent(current: str, joining: str) -> EscalationKind:
    """What a case is about once `joining` (an urgent kind) joins a case of kind `current`:
    a red flag outranks a worrying check-in answer, which outranks everything else."""
    for kind in (EscalationKind.RED_FLAG, EscalationKind.CHECKIN):
        if kind in (current, joining):
            return kind
    return parse(EscalationKind, joining, "escalation kind")


class BookingStatus(enum.StrEnum):
    """bookings.status: a session booked ahead is booked until the patient answers its
    confirmation request (confirmed, or change_requested: they typed a wish for staff);
    staff record it as done (its aftercare starts) or as a no-show; cancelled when the
    clinic cancels the patient's care or the patient stops."""

    BOOKED = "booked"
    CONFIRMED = "confirmed"
    CHANGE_REQUESTED = "change_requested"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"

    # Still ahead (or not yet recorded): Today lists them, /calendar shows them.
    OPEN: ClassVar[frozenset[BookingStatus]]


BookingStatus.OPEN = frozenset(
    {BookingStatus.BOOKED, BookingStatus.CONFIRMED, BookingStatus.CHANGE_REQUESTED}
)


class CourseStatus(enum.StrEnum):
    """courses.status: a protocol's course (`course = { sessions = N, ... }`) is active
    from consent; completed when its last session is done or the patient says they have
    finished; dropped when care ends otherwise (/stop, cancelled by the clinic, the chat
    unreachable, erasure)."""

    ACTIVE = "active"
    COMPLETED = "completed"
    DROPPED = "dropped"


class EscalationStatus(enum.StrEnum):
    """escalations.status: a case is open -> acknowledged (someone has it) -> resolved.
    Rows written as "closed" before cases existed were migrated to resolved."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"

    # Not resolved yet: listed by /cases, and a patient's new messages attach to it.
    UNRESOLVED: ClassVar[frozenset[EscalationStatus]]


EscalationStatus.UNRESOLVED = frozenset({EscalationStatus.OPEN, EscalationStatus.ACKNOWLEDGED})


class CaseClosure(enum.StrEnum):
    """escalations.closed_reason: why a case was closed without a staff member (null: a
    staff member resolved it)."""

    ERASED = "erased"  # the patient erased their data: the bot can no longer reach them


class AuditOutcome(enum.StrEnum):
    """audit_events.outcome: whether what was asked for happened."""

    OK = "ok"
    REFUSED = "refused"  # not allowed (not staff, not admin, patient not reachable)
    INVALID = "invalid"  # malformed input, unknown or used code
    ERROR = "error"  # allowed and well-formed, but it failed


# A patient still invited or active whose newest enrollment staff cancelled is shown (and
# counted, and filtered) as "cancelled": their chat is still theirs (they may write to the
# clinic), but nothing is planned for them.
CARE_CANCELLED = "cancelled"
SHOWN_STATUSES = (
    PatientStatus.INVITED, PatientStatus.ACTIVE, CARE_CANCELLED, PatientStatus.STOPPED,
    PatientStatus.UNREACHABLE, PatientStatus.MERGED, PatientStatus.FORGOTTEN,
)


def shown_status(patient: str, newest_enrollment: str | None) -> str:
    """A patient's status as staff see it (/patients, /patient, the console, Stats)."""
    if patient in PatientStatus.LIVE and newest_enrollment == EnrollmentStatus.CANCELLED:
        return CARE_CANCELLED
    return str(patient)
