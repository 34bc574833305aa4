"""Repeat sessions: booked ahead, recorded as done (the new plan replaces the earlier), or
missed.

One plan at a time per protocol: a session done starts its care, the earlier session's
pending messages are cancelled as superseded (shown in /patient), and the session count
carries on. Staff record one with `/session <patient-id> [time]` (or the console); a second
invite for the same protocol accepted in the patient's chat does the same
(services/onboarding).

Decisions:
- A future time books the session: an enrollment "booked" with its pre-care and, before
  it, the confirmation request (core/course.py); the current session's care goes on, and
  its recall is dropped (the next session is booked).
- No time, now or a past time records a session as done. When a session is booked within
  a day of that time, that booking is the one done (at its booked time when staff typed
  none, else at the time typed); otherwise a new session is recorded as before.
- A booked session recorded as done becomes the current plan: its aftercare is planned,
  the earlier session superseded. Recorded as a no-show: its pending messages are
  cancelled and, nothing else being booked, the patient is recalled again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.records import BookingRecord, EnrollmentRecord, PatientRecord
from core.statuses import (
    AuditOutcome,
    BookingStatus,
    EnrollmentStatus,
    MessageStatus,
    PatientStatus,
)
from core.texts.dates import session_when
from core.texts.patient import t, ui_language
from services import course
from services.context import AppContext
from services.planning import patient_zone, plan_for_enrollment
from storage.console_writes import enqueue_patient_notice
from storage.patient_data import patient_target
from storage.repositories import Repositories, Store

# How a superseded message's last_error starts (storage writes "cancelled: <reason>").
SUPERSEDED_PREFIX = "cancelled: superseded by session "
# A booking this close to the time a session is recorded at is the session recorded.
BOOKING_MATCH = timedelta(days=1)
# A time this far ahead (or more) books the session rather than recording it as done.
FUTURE = timedelta(minutes=1)


@dataclass(frozen=True, kw_only=True)
class NewSession:
    """What `/session` did, or why it did nothing (`problem`: no_patient, not_joined,
    no_booking)."""

    problem: str | None = None  # no_patient | not_joined | cancelled_before_joining | no_booking
    enrollment_id: int | None = None
    session_number: int = 0
    session_start: datetime | None = None
    planned: int = 0
    superseded_messages: int = 0
    booked: bool = False  # booked ahead: pre-care and a confirmation request planned
    booking_id: int | None = None  # the booking this recorded (done or no-show), or made
    no_show: bool = False
    resumed: bool = False  # the patient's care had been cancelled: it starts again


async def _joined(
    store: Repositories, patient_id: int
) -> tuple[PatientRecord | None, EnrollmentRecord | None, str | None]:
    """The patient and their current session, or why a session cannot be recorded.

    The patient must have joined (an active patient with a live enrollment, or one whose
    care staff cancelled: a session starts it again, the cancelled enrollment standing in
    for the current one): before that there is no plan to replace, and /reschedule moves
    the invited session instead."""
    patient = await store.patients.get(patient_id)
    if patient is None or patient.status == PatientStatus.FORGOTTEN:
        return None, None, "no_patient"
    enrollments = await store.enrollments.list_for_patient(patient_id)  # newest first
    current = [e for e in enrollments if e.status == EnrollmentStatus.ACTIVE]
    cancelled = bool(enrollments) and enrollments[0].status == EnrollmentStatus.CANCELLED
    if patient.status != PatientStatus.ACTIVE or patient.chat_id is None:
        return patient, None, ("cancelled_before_joining" if cancelled
                               and patient.status == PatientStatus.INVITED else "not_joined")
    if not current and cancelled:
        current = [enrollments[0]]  # care was cancelled: this session starts it again
    if not current:
        return patient, None, "not_joined"
    return patient, max(current, key=lambda e: e.id), None


async def new_session(
    ctx: AppContext, patient_id: int, session_start: datetime | None, *, staff_id: int,
    now: datetime
) -> NewSession:
    """Record a session of the patient's current procedure (see the module doc):
    `session_start` None when staff typed no time (now, or the booked time)."""
    if session_start is not None and session_start >= now + FUTURE:
        return await book_session(ctx, patient_id, session_start, staff_id=staff_id, now=now)
    async with Store(ctx.sessions) as store:
        patient, previous, problem = await _joined(store, patient_id)
        if problem is not None or patient is None or previous is None:
            return NewSession(problem=problem)
        booking = await _booking_near(store, patient_id, session_start or now,
                                      previous.protocol_id)
        if booking is not None:
            result = await _done(store, ctx, patient, booking, session_start, staff_id, now)
        else:
            result = await _recorded(store, ctx, patient, previous, session_start or now,
                                     staff_id, now)
    if result.problem is None:
        ctx.wake_delivery()  # once committed: a pass must see the new plan
    return result


async def _recorded(
    store: Repositories, ctx: AppContext, patient: PatientRecord, previous: EnrollmentRecord,
    start: datetime, staff_id: int, now: datetime,
) -> NewSession:
    """A session nobody booked took place: a new enrollment, the current plan."""
    created = await store.enrollments.create(
        patient_id=patient.id, protocol_id=previous.protocol_id,
        session_start=start, created_by=staff_id, now=now,
        status=EnrollmentStatus.ACTIVE,
    )
    _superseded, cut = await store.enrollments.supersede_earlier(created.id, now)
    enrollment = await store.enrollments.get(created.id)
    assert enrollment is not None
    planned = plan_for_enrollment(ctx, patient, enrollment, now)
    queued = await store.messages.insert_plan(
        enrollment_id=enrollment.id, patient_id=patient.id, chat_id=patient.chat_id or 0,
        planned=planned, now=now,
    )
    await course.session_done(store, ctx, patient, enrollment, now)
    await store.audit.record(
        actor_id=staff_id, action="session", outcome=AuditOutcome.OK,
        target=patient_target(patient.id),
        detail=f"enrollment:{enrollment.id} supersedes:{previous.id}", now=now,
    )
    return NewSession(
        enrollment_id=enrollment.id, session_number=enrollment.session_number,
        session_start=start, planned=queued, superseded_messages=cut,
        resumed=previous.status == EnrollmentStatus.CANCELLED,
    )


async def _booking_near(
    store: Repositories, patient_id: int, at: datetime, protocol_id: str
) -> BookingRecord | None:
    """The patient's open booking of the protocol closest to `at`, within BOOKING_MATCH."""
    best: tuple[timedelta, BookingRecord] | None = None
    for booking in await store.bookings.open_for_patient(patient_id):
        enrollment = await store.enrollments.get(booking.enrollment_id)
        if enrollment is None or enrollment.protocol_id != protocol_id:
            continue
        distance = abs(booking.starts_at - at)
        if distance <= BOOKING_MATCH and (best is None or distance < best[0]):
            best = (distance, booking)
    return None if best is None else best[1]


async def book_session(
    ctx: AppContext, patient_id: int, session_start: datetime, *, staff_id: int, now: datetime
) -> NewSession:
    """Book the next session of the patient's current procedure at a future time."""
    async with Store(ctx.sessions) as store:
        patient, previous, problem = await _joined(store, patient_id)
        if problem is not None or patient is None or previous is None:
            return NewSession(problem=problem)
        number = await store.enrollments.next_session_number(patient_id, previous.protocol_id)
        enrollment = await store.enrollments.create(
            patient_id=patient_id, protocol_id=previous.protocol_id,
            session_start=session_start, created_by=staff_id, now=now,
            status=EnrollmentStatus.BOOKED, session_number=number,
        )
        booking = await store.bookings.create(
            patient_id=patient_id, enrollment_id=enrollment.id, starts_at=session_start,
            created_by=staff_id, now=now,
        )
        planned = plan_for_enrollment(ctx, patient, enrollment, now)
        queued = await store.messages.insert_plan(
            enrollment_id=enrollment.id, patient_id=patient_id, chat_id=patient.chat_id or 0,
            planned=planned, now=now,
        )
        await course.drop_recalls(store, patient_id, previous.protocol_id, now,
                                  "the next session is booked")
        await store.audit.record(
            actor_id=staff_id, action="session.book", outcome=AuditOutcome.OK,
            target=patient_target(patient_id),
            detail=f"enrollment:{enrollment.id} booking:{booking.id}", now=now,
        )
    ctx.wake_delivery()
    return NewSession(enrollment_id=enrollment.id, session_number=number,
                      session_start=session_start, planned=queued, booked=True,
                      booking_id=booking.id,
                      resumed=previous.status == EnrollmentStatus.CANCELLED)


async def _done(
    store: Repositories, ctx: AppContext, patient: PatientRecord, booking: BookingRecord,
    session_start: datetime | None, staff_id: int, now: datetime,
) -> NewSession:
    """A booked session took place: its enrollment becomes the current plan (aftercare
    planned, the earlier session superseded), in `store`'s transaction."""
    start = session_start or (booking.starts_at if booking.starts_at <= now else now)
    recorded = await store.bookings.record(booking.id, BookingStatus.DONE, by=staff_id,
                                           now=now, starts_at=start)
    if recorded is None:
        return NewSession(problem="no_booking")
    await store.enrollments.set_session_start(booking.enrollment_id, start)
    await store.enrollments.set_status(booking.enrollment_id, EnrollmentStatus.ACTIVE)
    _superseded, cut = await store.enrollments.supersede_earlier(booking.enrollment_id, now)
    enrollment = await store.enrollments.get(booking.enrollment_id)
    assert enrollment is not None
    planned = plan_for_enrollment(ctx, patient, enrollment, now)
    replaced = await store.messages.replace_pending(enrollment.id, planned, now)
    await course.session_done(store, ctx, patient, enrollment, now)
    await store.audit.record(
        actor_id=staff_id, action="session", outcome=AuditOutcome.OK,
        target=patient_target(patient.id),
        detail=f"enrollment:{enrollment.id} booking:{booking.id} done", now=now,
    )
    return NewSession(enrollment_id=enrollment.id, session_number=enrollment.session_number,
                      session_start=start, planned=replaced.inserted + replaced.updated,
                      superseded_messages=cut, booking_id=booking.id)


async def record_booking(
    ctx: AppContext, booking_id: int, *, done: bool, staff_id: int,
    patient_id: int | None = None, now: datetime,
) -> NewSession:
    """Staff record a booked session as done (at its booked time, or now if that is still
    ahead) or as a no-show, from Today or the patient's page. `patient_id`: the booking
    must be theirs (a form names both)."""
    async with Store(ctx.sessions) as store:
        booking = await store.bookings.get(booking_id)
        if booking is None or (patient_id is not None and booking.patient_id != patient_id):
            return NewSession(problem="no_booking")
        patient = await store.patients.get(booking.patient_id)
        if patient is None or patient.status == PatientStatus.FORGOTTEN:
            return NewSession(problem="no_patient")
        if done:
            result = await _done(store, ctx, patient, booking, None, staff_id, now)
        else:
            result = await _no_show(store, ctx, patient, booking, staff_id, now)
    if result.problem is None:
        ctx.wake_delivery()
    return result


async def no_show(ctx: AppContext, patient_id: int, *, staff_id: int, now: datetime) -> NewSession:
    """`/session <id> noshow`: the patient's booked session nearest to now (within a day,
    or the oldest one not yet recorded) was missed."""
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
        if patient is None or patient.status == PatientStatus.FORGOTTEN:
            return NewSession(problem="no_patient")
        open_ones = await store.bookings.open_for_patient(patient_id)
        due = [b for b in open_ones if b.starts_at <= now + BOOKING_MATCH]
        if not due:
            return NewSession(problem="no_booking")
        booking = min(due, key=lambda b: abs(b.starts_at - now))
        result = await _no_show(store, ctx, patient, booking, staff_id, now)
    if result.problem is None:
        ctx.wake_delivery()
    return result


async def _no_show(
    store: Repositories, ctx: AppContext, patient: PatientRecord, booking: BookingRecord,
    staff_id: int, now: datetime,
) -> NewSession:
    recorded = await store.bookings.record(booking.id, BookingStatus.NO_SHOW, by=staff_id,
                                           now=now)
    if recorded is None:
        return NewSession(problem="no_booking")
    enrollment = await store.enrollments.get(booking.enrollment_id)
    assert enrollment is not None
    await store.enrollments.cancel(enrollment.id, now)
    recalled = await course.recall_again(store, ctx, patient, enrollment.protocol_id, now)
    await store.audit.record(
        actor_id=staff_id, action="session.noshow", outcome=AuditOutcome.OK,
        target=patient_target(patient.id),
        detail=f"enrollment:{enrollment.id} booking:{booking.id} recalled:{int(recalled)}",
        now=now,
    )
    return NewSession(enrollment_id=enrollment.id, session_number=enrollment.session_number,
                      session_start=booking.starts_at, booking_id=booking.id, no_show=True)


# --- moving a session (cancel and its undo: services/cancellations.py) -------------------

# What a reschedule reports as kept: messages already out, or being sent right now (it
# leaves cancelled ones alone too, but does not count them).
KEPT_BY_RESCHEDULE = frozenset(
    {MessageStatus.SENT, MessageStatus.EXPIRED, MessageStatus.FAILED, MessageStatus.SENDING}
)


@dataclass(frozen=True, kw_only=True)
class RescheduleResult:
    enrollment_id: int
    session_start: datetime
    replanned: int   # pending messages updated or inserted
    kept: int        # messages sent, expired, failed or being sent (see KEPT_BY_RESCHEDULE)
    booked: bool = False  # a session booked ahead moved: the patient is told, asked again


async def reschedule_patient(
    ctx: AppContext, patient_id: int, session_start: datetime, *, staff_id: int, now: datetime
) -> RescheduleResult | None:
    """Move the newest live enrollment's session; pending messages re-planned, sent ones kept.

    None when the patient has no live enrollment. An enrollment whose invite is not yet
    accepted only gets its new start: its plan is made at consent.
    """
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
        if patient is None:
            return None
        live = [
            e for e in await store.enrollments.list_for_patient(patient_id)
            if e.status in EnrollmentStatus.LIVE
        ]
        if not live:
            return None
        enrollment = max(live, key=lambda e: e.id)
        enrollment = await store.enrollments.set_session_start(enrollment.id, session_start)
        replanned = kept = 0
        booked = enrollment.status == EnrollmentStatus.BOOKED
        if booked:
            # The booking moves with it (a higher calendar SEQUENCE), to be confirmed again,
            # and the patient hears of it through the outbox.
            booking = await store.bookings.for_enrollment(enrollment.id)
            if booking is not None:
                await store.bookings.moved(booking.id, session_start)
            if patient.chat_id is not None and patient.status == PatientStatus.ACTIVE:
                await _tell_moved(ctx, store, patient, session_start, now)
        if enrollment.status in (EnrollmentStatus.ACTIVE, EnrollmentStatus.BOOKED):
            planned = plan_for_enrollment(ctx, patient, enrollment, now)
            outcome = await store.messages.replace_pending(enrollment.id, planned, now)
            replanned = outcome.updated + outcome.inserted
            kept = sum(
                1 for m in await store.messages.list_for_enrollment(enrollment.id)
                if m.status in KEPT_BY_RESCHEDULE
            )
        await store.audit.record(
            actor_id=staff_id, action="reschedule", outcome=AuditOutcome.OK,
            target=patient_target(patient_id), detail=f"enrollment:{enrollment.id}", now=now,
        )
    if enrollment.status in (EnrollmentStatus.ACTIVE, EnrollmentStatus.BOOKED):
        ctx.wake_delivery()
    return RescheduleResult(
        enrollment_id=enrollment.id, session_start=session_start, replanned=replanned,
        kept=kept, booked=booked,
    )


MOVED_NOTICE_STEP = "notice-moved"  # step_id of the outbox row telling the patient


async def _tell_moved(
    ctx: AppContext, store: Store, patient: PatientRecord, session_start: datetime,
    now: datetime,
) -> None:
    """"Your session has moved to ..." for the patient, through the outbox (quiet hours
    kept, retried), in their language and zone."""
    language = ui_language(patient.language)
    zone = patient_zone(patient.timezone, ctx.settings)
    clinic = ctx.settings.clinic
    text = t("session_moved", language, clinic=clinic.name,
             when=session_when(session_start, zone, language, now), zone=zone.key,
             contact=clinic.contact_for(language))
    assert patient.chat_id is not None
    await enqueue_patient_notice(store.session, patient_id=patient.id, chat_id=patient.chat_id,
                                 step_id=MOVED_NOTICE_STEP, text=text, now=now)


