"""A course of treatment, as the patient lives it: the course counted session by session,
their answers to a booked session's confirmation request, to the recall and to the outcome
question, and the text they type when the bot has asked for it (a new time they would
prefer, a comment on the result).

Decisions:
- A session done counts towards the protocol's course; the last one completes it (the
  outcome is asked by the protocol's outcome step, else `every` after it: core/course.py).
  While the next session is booked nothing is recalled.
- "I'll be there" confirms the booking; "I need to change it" asks for a preferred time:
  the patient's next text (within WISH_WINDOW, unless it is a red flag, which goes the
  urgent way, or small talk: the wish is still awaited) opens a booking case for staff, in
  the patient's topic; the booking itself stays until staff move it.
- Recall: "Ask the clinic to call me" opens a booking case; "I'll book it myself" is told
  to staff in the patient's topic; "I've finished the course" completes the course and asks
  the outcome at once.
- Outcome: 4-5 get the clinic's review link when `clinic.review_url` is set; 1-2 open an
  outcome case for staff (stored before the patient is told the team will contact them);
  every score then invites an optional comment (the next text within COMMENT_WINDOW, or
  "No, thanks"), which joins the patient's open case when they have one. A red flag, a
  symptom, a worry or a request is never taken as the comment: it goes the usual way.
- Every button is answered once (the first tap wins, as for check-ins, recorded with
  them); a confirmation request for a time the session no longer has is stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from core.course import (
    CONFIRM_CHANGE,
    CONFIRM_YES,
    HAPPY_SCORES,
    RECALL_CALL,
    RECALL_FINISHED,
    RECALL_SELF,
    RECALL_STEP,
    UNHAPPY_SCORES,
    course_end_outcome,
    minute_key,
    recall_now,
)
from core.quiet_hours import awake_until
from core.records import (
    BookingRecord,
    EnrollmentRecord,
    MessageRecord,
    OutcomeRecord,
    PatientRecord,
)
from core.statuses import (
    BookingStatus,
    CourseStatus,
    EnrollmentStatus,
    EscalationKind,
    MessageKind,
)
from core.texts.alerts import OUTCOME_COMMENT_WORDS, OUTCOME_WORDS, RECALL_CALL_WORDS
from core.texts.dates import session_when
from core.texts.patient import button, t, ui_language
from services.context import AppContext
from services.planning import course_texts, patient_zone, quiet_hours
from services.staff_alerts import AlertRequest
from storage.repositories import Repositories, Store

WISH_WINDOW = timedelta(days=3)  # "I need to change it": their next text within this
COMMENT_WINDOW = timedelta(hours=24)  # an outcome's comment: their next text within this
OUTCOME_SKIP = "oc:"  # callback data of "No, thanks" to the comment: + outcome id

AnswerStatus = Literal["recorded", "already", "stale"]


@dataclass(frozen=True, kw_only=True)
class Reply:
    """A message to send the patient (safe HTML) with buttons: (label, callback data)."""

    html: str
    buttons: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class ButtonAnswer:
    """What a course button did: the replies in order, an alert to store before them, a
    notice for the patient's topic (core/texts/alerts.py PATIENT_NOTICES)."""

    status: AnswerStatus
    replies: tuple[Reply, ...] = ()
    alert: AlertRequest | None = None
    notice: str | None = None
    procedure: str = ""


def _procedure(ctx: AppContext, protocol_id: str, language: str = "en") -> str:
    protocol = ctx.content.protocols.get(protocol_id)
    if protocol is None:
        return protocol_id
    return protocol.name.get(language, ctx.settings.clinic.default_language)


# --- the course, session by session --------------------------------------------------------

async def session_done(
    store: Repositories, ctx: AppContext, patient: PatientRecord,
    enrollment: EnrollmentRecord, now: datetime,
) -> None:
    """A session of `enrollment`'s protocol is done (consent to a first session, or staff
    recording one): its course counts it, its last completes it, and while the next
    session is already booked its recall is dropped."""
    protocol = ctx.content.protocols.get(enrollment.protocol_id)
    if protocol is None or protocol.course is None:
        return
    course = await store.courses.ensure(patient.id, protocol.id, now)
    await store.courses.set_sessions_done(course.id, enrollment.session_number)
    if (course.status == CourseStatus.ACTIVE
            and enrollment.session_number >= protocol.course.sessions):
        await store.courses.end(course.id, CourseStatus.COMPLETED, "sessions", now)
    if await _booked(store, patient.id, protocol.id, enrollment.id):
        await store.messages.cancel_pending_step(
            [enrollment.id], RECALL_STEP, now, "cancelled: the next session is booked")


async def _booked(
    store: Repositories, patient_id: int, protocol_id: str, besides: int | None = None
) -> bool:
    """Whether a session of the protocol is booked ahead (other than enrollment `besides`)."""
    for booking in await store.bookings.open_for_patient(patient_id):
        enrollment = await store.enrollments.get(booking.enrollment_id)
        if (enrollment is not None and enrollment.protocol_id == protocol_id
                and enrollment.id != besides):
            return True
    return False


async def drop_recalls(
    store: Repositories, patient_id: int, protocol_id: str, now: datetime, reason: str
) -> int:
    """The patient's pending recalls for the protocol are cancelled (a session is booked,
    or the course ended)."""
    ids = [e.id for e in await store.enrollments.list_for_patient(patient_id)
           if e.protocol_id == protocol_id]
    return await store.messages.cancel_pending_step(ids, RECALL_STEP, now,
                                                    f"cancelled: {reason}")


async def recall_again(
    store: Repositories, ctx: AppContext, patient: PatientRecord, protocol_id: str,
    now: datetime,
) -> bool:
    """A booked session was missed or cancelled and nothing else is booked: the recall is
    asked again now (quiet hours kept) on the patient's current session, unless their
    course ended by their own word. Returns whether one was queued."""
    protocol = ctx.content.protocols.get(protocol_id)
    if protocol is None or protocol.course is None or patient.chat_id is None:
        return False
    course = await store.courses.current(patient.id, protocol_id)
    if course is not None and (course.status == CourseStatus.DROPPED
                               or course.end_reason == "patient"):
        return False
    if await _booked(store, patient.id, protocol_id):
        return False
    done = [e for e in await store.enrollments.list_for_patient(patient.id)
            if e.protocol_id == protocol_id and e.status == EnrollmentStatus.ACTIVE]
    if not done:
        return False
    current = done[0]
    zone = patient_zone(patient.timezone, ctx.settings)
    message = recall_now(
        protocol=protocol, session_number=current.session_number, now=now, zone=zone,
        quiet=quiet_hours(ctx.settings), language=patient.language,
        texts=course_texts(ctx, protocol_id, patient.language, zone),
        awake_until=awake_until(patient.last_activity_at),
    )
    if message is None:
        return False
    inserted = await store.messages.insert_plan(
        enrollment_id=current.id, patient_id=patient.id, chat_id=patient.chat_id,
        planned=[message], now=now)
    return inserted > 0


async def ask_outcome_now(
    store: Repositories, ctx: AppContext, patient: PatientRecord,
    enrollment: EnrollmentRecord, now: datetime,
) -> bool:
    """The course ended by the patient's word: the outcome question, due now, once per
    course (not when an outcome was already answered since the course started)."""
    if patient.chat_id is None:
        return False
    course = await store.courses.current(patient.id, enrollment.protocol_id)
    answered = [o for o in await store.courses.outcomes_for_patient(patient.id)
                if o.protocol_id == enrollment.protocol_id
                and (course is None or o.answered_at >= course.started_at)]
    if answered:
        return False
    zone = patient_zone(patient.timezone, ctx.settings)
    question = course_end_outcome(
        language=patient.language, texts=course_texts(ctx, enrollment.protocol_id,
                                                      patient.language, zone), now=now)
    return await store.messages.insert_plan(
        enrollment_id=enrollment.id, patient_id=patient.id, chat_id=patient.chat_id,
        planned=[question], now=now) > 0


# --- the buttons --------------------------------------------------------------------------

async def answer_button(
    store: Repositories, ctx: AppContext, patient: PatientRecord, message: MessageRecord,
    option_id: str, now: datetime,
) -> ButtonAnswer:
    """A press on a confirmation request, a recall or an outcome question (`message`, one
    the bot sent this patient; `option_id` one of its options), in `store`'s transaction."""
    enrollment = (None if message.enrollment_id is None
                  else await store.enrollments.get(message.enrollment_id))
    if enrollment is None:
        return ButtonAnswer(status="stale")
    if message.kind == MessageKind.CONFIRM:
        return await _confirm(store, ctx, patient, message, enrollment, option_id, now)
    first = await store.checkins.record(
        message_id=message.id, patient_id=patient.id, enrollment_id=enrollment.id,
        step_id=message.step_id, option_id=option_id, escalated=False, now=now)
    if first is None:
        return ButtonAnswer(status="already")
    if message.kind == MessageKind.RECALL:
        return await _recall(store, ctx, patient, enrollment, option_id, now)
    return await _outcome(store, ctx, patient, message, enrollment, option_id, now)


async def _confirm(
    store: Repositories, ctx: AppContext, patient: PatientRecord, message: MessageRecord,
    enrollment: EnrollmentRecord, option_id: str, now: datetime,
) -> ButtonAnswer:
    language = ui_language(patient.language)
    booking = await store.bookings.for_enrollment(enrollment.id)
    if (booking is None or booking.status not in BookingStatus.OPEN
            or message.occurrence != minute_key(booking.starts_at)):
        return ButtonAnswer(status="stale", replies=(Reply(html=t("confirm_stale", language)),))
    wanted = BookingStatus.CONFIRMED if option_id == CONFIRM_YES else (
        BookingStatus.CHANGE_REQUESTED)
    changed = await store.bookings.answer(booking.id, wanted, now)
    if changed is None:
        return ButtonAnswer(status="already")
    await store.checkins.record(
        message_id=message.id, patient_id=patient.id, enrollment_id=enrollment.id,
        step_id=message.step_id, option_id=option_id, escalated=False, now=now)
    await store.patients.touch_activity(patient.id, now)
    contact = ctx.settings.clinic.contact_for(language)
    if option_id == CONFIRM_CHANGE:
        return ButtonAnswer(status="recorded",
                            replies=(Reply(html=t("confirm_change_ask", language)),))
    when = session_when(booking.starts_at, patient_zone(patient.timezone, ctx.settings),
                        language, now)
    return ButtonAnswer(status="recorded", replies=(
        Reply(html=t("confirm_thanks", language, when=when, contact=contact)),))


async def _recall(
    store: Repositories, ctx: AppContext, patient: PatientRecord,
    enrollment: EnrollmentRecord, option_id: str, now: datetime,
) -> ButtonAnswer:
    language = ui_language(patient.language)
    clinic = ctx.settings.clinic
    contact = clinic.contact_for(language)
    procedure = _procedure(ctx, enrollment.protocol_id)
    await store.patients.touch_activity(patient.id, now)
    if option_id == RECALL_CALL:
        alert = AlertRequest(
            kind=EscalationKind.BOOKING, patient=patient, enrollment=enrollment,
            words=RECALL_CALL_WORDS.format(procedure=procedure,
                                           number=enrollment.session_number),
            rule_id="recall: call me")
        return ButtonAnswer(status="recorded", alert=alert, replies=(
            Reply(html=t("recall_call_done", language, contact=contact)),))
    if option_id == RECALL_SELF:
        return ButtonAnswer(status="recorded", notice="book_self", procedure=procedure,
                            replies=(Reply(html=t("recall_self_done", language,
                                                  clinic=clinic.name, contact=contact)),))
    assert option_id == RECALL_FINISHED
    course = await store.courses.ensure(patient.id, enrollment.protocol_id, now)
    await store.courses.end(course.id, CourseStatus.COMPLETED, "patient", now)
    await drop_recalls(store, patient.id, enrollment.protocol_id, now, "course finished")
    await ask_outcome_now(store, ctx, patient, enrollment, now)
    return ButtonAnswer(status="recorded", notice="course_finished", procedure=procedure,
                        replies=(Reply(html=t("recall_finished_done", language)),))


async def _outcome(
    store: Repositories, ctx: AppContext, patient: PatientRecord, message: MessageRecord,
    enrollment: EnrollmentRecord, option_id: str, now: datetime,
) -> ButtonAnswer:
    language = ui_language(patient.language)
    clinic = ctx.settings.clinic
    score = int(option_id)
    answer = await store.courses.record_outcome(
        patient_id=patient.id, enrollment_id=enrollment.id, protocol_id=enrollment.protocol_id,
        message_id=message.id, score=score, now=now, comment_until=now + COMMENT_WINDOW)
    if answer is None:
        return ButtonAnswer(status="already")
    await store.patients.touch_activity(patient.id, now)
    replies: list[Reply] = []
    alert = None
    if score in UNHAPPY_SCORES:
        procedure = _procedure(ctx, enrollment.protocol_id)
        alert = AlertRequest(
            kind=EscalationKind.OUTCOME, patient=patient, enrollment=enrollment,
            words=OUTCOME_WORDS.format(score=score, procedure=procedure),
            rule_id=f"outcome: {score}/5")
        replies.append(Reply(html=t("outcome_sorry", language,
                                    contact=clinic.contact_for(language))))
    elif score in HAPPY_SCORES and clinic.review_url:
        replies.append(Reply(html=t("outcome_thanks", language) + "\n"
                             + t("outcome_review", language, url=clinic.review_url)))
    else:
        replies.append(Reply(html=t("outcome_thanks", language)))
    replies.append(Reply(html=t("outcome_comment_ask", language), buttons=(
        (button("button_outcome_skip", language), f"{OUTCOME_SKIP}{answer.id}"),)))
    return ButtonAnswer(status="recorded", replies=tuple(replies), alert=alert)


async def close_comment(ctx: AppContext, patient: PatientRecord, outcome_id: int) -> bool:
    """"No, thanks" to the comment; False when it is not theirs or no longer awaited."""
    async with Store(ctx.sessions) as store:
        found = [o for o in await store.courses.outcomes_for_patient(patient.id)
                 if o.id == outcome_id]
        return bool(found) and await store.courses.set_comment(outcome_id, None)


# --- text the bot asked for ------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Awaited:
    """Text the bot is waiting for from this patient: a preferred time for a booking they
    asked to change, or a comment on the result."""

    booking: BookingRecord | None = None
    outcome: OutcomeRecord | None = None


async def awaited_text(store: Repositories, patient_id: int, now: datetime) -> Awaited | None:
    """What the patient's next text answers, if anything (a wish first)."""
    booking = await store.bookings.awaiting_wish(patient_id, now - WISH_WINDOW)
    if booking is not None:
        return Awaited(booking=booking)
    outcome = await store.courses.awaiting_comment(patient_id, now)
    return Awaited(outcome=outcome) if outcome is not None else None


async def take_text(
    store: Repositories, ctx: AppContext, patient: PatientRecord, awaited: Awaited, text: str,
    now: datetime,
) -> tuple[str, AlertRequest | None] | None:
    """Store `text` as what was awaited: (the reply's HTML, an alert for staff), or None
    when it was taken meanwhile. A wish opens (or joins) a booking case; a comment is kept
    and joins the patient's unresolved case, if any."""
    language = ui_language(patient.language)
    contact = ctx.settings.clinic.contact_for(language)
    if awaited.booking is not None:
        booking = awaited.booking
        if not await store.bookings.wish_received(booking.id, now):
            return None
        enrollment = await store.enrollments.get(booking.enrollment_id)
        when = session_when(booking.starts_at, ctx.settings.clinic.zone, "en", now)
        alert = AlertRequest(kind=EscalationKind.BOOKING, patient=patient, enrollment=enrollment,
                             words=text, rule_id=f"change booked session {when}")
        return t("booking_wish_passed", language, contact=contact), alert
    outcome = awaited.outcome
    assert outcome is not None
    if not await store.courses.set_comment(outcome.id, text):
        return None
    enrollment = (None if outcome.enrollment_id is None
                  else await store.enrollments.get(outcome.enrollment_id))
    # A MESSAGE joins the patient's unresolved case, if any (services/staff_alerts.py).
    joins = AlertRequest(
        kind=EscalationKind.MESSAGE, patient=patient, enrollment=enrollment,
        words=OUTCOME_COMMENT_WORDS.format(score=outcome.score, comment=text))
    return t("outcome_comment_thanks", language), joins
