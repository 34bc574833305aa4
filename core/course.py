"""A course of treatment: the messages a course adds to a session's plan, and its rules.

Micro mesotherapy is a course, not a visit (hair weekly for 4-5 months; skin 2-3 sessions
and maintenance twice a year). Besides its protocol's steps, a session's plan gets:

1. A session booked ahead (not yet done): a confirmation request `confirm_before` the
   session ("I'll be there" / "I need to change it"), quiet hours kept, never later than
   CONFIRM_CUTOFF before it; booked less than that far ahead, it is due at once (or, too
   late, expired).
2. A session done, of a protocol with a course: when the next session falls due (`every`
   after it; after the last session of the course, `maintenance` after it, if declared),
   the recall: call me / I'll book it myself / I've finished. Staff booking the next
   session cancels it (services/bookings.py).
3. The course's last session, when no step of the protocol asks the outcome: the outcome
   question `every` after it (when the next session would have been due).

Keys. A course message's occurrence is the minute (since the epoch) of the time it is
about: the session's start for a confirmation, its own nominal time for a recall or the
outcome. A session moved to another time gets a new confirmation request (a new key; the
old one, pending, is cancelled by the re-plan), while re-planning for a new language or zone
updates the pending one in place and never sends a sent one again.

Pure: `now` and the texts' values are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from core.clock import require_aware
from core.content import OUTCOME_SCORES, Protocol
from core.plans import PlanKind, PlannedMessage, PlanStatus
from core.quiet_hours import QuietHours
from core.texts.dates import session_when
from core.texts.patient import button, t, ui_language

CONFIRM_STEP = "confirm"
RECALL_STEP = "recall"
OUTCOME_STEP = "course-outcome"  # the outcome asked at a course's end (no outcome step)
COURSE_STEPS = frozenset({CONFIRM_STEP, RECALL_STEP, OUTCOME_STEP})


def shown_occurrence(step_id: str, occurrence: int) -> str:
    """How staff see which time a step is sent: " #2" for a protocol step's second; nothing
    for its first, nor for the course's messages, whose occurrence is a minute key ("recall
    #29570701" told staff nothing)."""
    if step_id in COURSE_STEPS or not occurrence:
        return ""
    return f" #{occurrence + 1}"

CONFIRM_CUTOFF = timedelta(hours=1)  # a confirmation request later than this is pointless
RECALL_EXPIRY = timedelta(days=7)
OUTCOME_EXPIRY = timedelta(days=7)

# The recall's answers (option ids, also in the callback data).
RECALL_CALL, RECALL_SELF, RECALL_FINISHED = "call", "self", "finished"
# The confirmation's answers.
CONFIRM_YES, CONFIRM_CHANGE = "yes", "change"


def minute_key(moment: datetime) -> int:
    """The occurrence of a course message about `moment` (see the module doc)."""
    return int(require_aware(moment, "moment").timestamp() // 60)


@dataclass(frozen=True, kw_only=True)
class CourseTexts:
    """What the course's texts say besides the time: the clinic and the procedure, in the
    patient's language (raw: `t()` escapes them)."""

    clinic: str
    procedure: str
    zone_name: str


def _placed(
    nominal: datetime, *, expires_at: datetime, quiet: QuietHours | None, zone: ZoneInfo,
    now: datetime, awake_until: datetime | None,
) -> tuple[datetime, bool, PlanStatus]:
    """core/plans.py rules 2-4 for one message: (due, moved by quiet hours, status)."""

    def shift(instant: datetime) -> tuple[datetime, bool]:
        if quiet is None or (awake_until is not None and instant <= awake_until):
            return instant, False
        return quiet.shift(instant, zone)

    due, moved = shift(nominal)
    if now > expires_at or due > expires_at:
        return due if due <= expires_at else nominal, moved, "expired"
    if due < now:
        late, late_moved = shift(now)
        if late > expires_at:
            return due, moved, "expired"
        return late, late_moved, "pending"
    return due, moved, "pending"


def course_messages(
    *,
    protocol: Protocol,
    session_start: datetime,
    session_number: int,
    booked: bool,
    confirm_before: timedelta,
    zone: ZoneInfo,
    quiet: QuietHours | None,
    now: datetime,
    language: str,
    texts: CourseTexts,
    awake_until: datetime | None = None,
) -> tuple[PlannedMessage, ...]:
    """The course's messages for one session (the module's rules 1-3), texts as safe HTML,
    option labels plain."""
    session_start = require_aware(session_start, "session_start").astimezone(UTC)
    now = require_aware(now, "now").astimezone(UTC)
    language = ui_language(language)
    found: list[PlannedMessage] = []

    def add(step_id: str, kind: PlanKind, occurrence_of: datetime, nominal: datetime,
            expires_at: datetime, text: str, options: tuple[tuple[str, str], ...]) -> None:
        due, moved, status = _placed(nominal, expires_at=expires_at, quiet=quiet, zone=zone,
                                     now=now, awake_until=awake_until)
        found.append(PlannedMessage(
            step_id=step_id, occurrence=minute_key(occurrence_of), kind=kind, text=text,
            options=options, nominal_at=nominal, due_at=due,
            expires_at=max(expires_at, due), moved_by_quiet_hours=moved,
            respects_quiet_hours=True, status=status,
        ))

    if booked:
        when = session_when(session_start, zone, language, now)
        add(CONFIRM_STEP, "confirm", session_start, session_start - confirm_before,
            session_start - CONFIRM_CUTOFF,
            t("confirm_request", language, clinic=texts.clinic, when=when,
              zone=texts.zone_name),
            ((CONFIRM_YES, button("button_confirm_yes", language)),
             (CONFIRM_CHANGE, button("button_confirm_change", language))))
        return tuple(found)
    course = protocol.course
    if course is None:
        return ()
    last = session_number >= course.sessions
    gap = course.maintenance if last else course.every
    if gap is not None:
        nominal = session_start + gap
        text = (t("recall_maintenance", language, procedure=texts.procedure) if last else
                t("recall_due", language, procedure=texts.procedure,
                  number=session_number + 1, total=course.sessions))
        add(RECALL_STEP, "recall", nominal, nominal, nominal + RECALL_EXPIRY, text,
            recall_options(language))
    if session_number == course.sessions and not protocol.has_outcome_step:
        nominal = session_start + course.every
        add(OUTCOME_STEP, "outcome", nominal, nominal, nominal + OUTCOME_EXPIRY,
            t("outcome_course_end", language, procedure=texts.procedure, clinic=texts.clinic),
            outcome_options())
    return tuple(found)


def recall_now(
    *, protocol: Protocol, session_number: int, now: datetime, zone: ZoneInfo,
    quiet: QuietHours | None, language: str, texts: CourseTexts,
    awake_until: datetime | None = None,
) -> PlannedMessage | None:
    """The recall asked again now (quiet hours kept): a booked session was missed or
    cancelled and nothing else is booked. None when the protocol has no course or nothing
    follows this session."""
    course = protocol.course
    if course is None:
        return None
    last = session_number >= course.sessions
    if last and course.maintenance is None:
        return None
    language = ui_language(language)
    text = (t("recall_maintenance", language, procedure=texts.procedure) if last else
            t("recall_due", language, procedure=texts.procedure, number=session_number + 1,
              total=course.sessions))
    due, moved, status = _placed(now, expires_at=now + RECALL_EXPIRY, quiet=quiet, zone=zone,
                                 now=now, awake_until=awake_until)
    return PlannedMessage(
        step_id=RECALL_STEP, occurrence=minute_key(now), kind="recall", text=text,
        options=recall_options(language), nominal_at=now, due_at=due,
        expires_at=now + RECALL_EXPIRY, moved_by_quiet_hours=moved, respects_quiet_hours=True,
        status=status,
    )


def recall_options(language: str) -> tuple[tuple[str, str], ...]:
    """The recall's three buttons (id, label) in `language`."""
    return ((RECALL_CALL, button("button_recall_call", language)),
            (RECALL_SELF, button("button_recall_self", language)),
            (RECALL_FINISHED, button("button_recall_finished", language)))


def outcome_options() -> tuple[tuple[str, str], ...]:
    """The outcome question's buttons: 1 to 5."""
    return tuple((score, score) for score in OUTCOME_SCORES)


def course_end_outcome(
    *, language: str, texts: CourseTexts, now: datetime
) -> PlannedMessage:
    """The outcome question asked at once, when the patient says they have finished."""
    language = ui_language(language)
    return PlannedMessage(
        step_id=OUTCOME_STEP, occurrence=minute_key(now), kind="outcome",
        text=t("outcome_course_end", language, procedure=texts.procedure, clinic=texts.clinic),
        options=outcome_options(), nominal_at=now, due_at=now, expires_at=now + OUTCOME_EXPIRY,
        moved_by_quiet_hours=False, respects_quiet_hours=True, status="pending",
    )


# Satisfaction: 4-5 happy (the review link, if the clinic has one), 1-2 unhappy (a case).
HAPPY_SCORES = frozenset({4, 5})
UNHAPPY_SCORES = frozenset({1, 2})

