"""Staff services: access, audit, patient listing and inspection, reschedule, stats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.records import (
    EnrollmentRecord,
    MessageRecord,
    MessageStats,
    PatientOverview,
    PatientRecord,
)
from core.statuses import (
    AuditOutcome,
    EnrollmentStatus,
    MessageStatus,
    PatientStatus,
    shown_status,
)
from core.texts.dates import session_when
from core.texts.patient import t, ui_language
from services.context import AppContext
from services.planning import patient_zone, plan_for_enrollment
from storage.console_writes import enqueue_patient_notice
from storage.patient_data import patient_target
from storage.reports import CaseFigures, case_figures
from storage.repositories import Store

PAGE_SIZE = 30
# What a reschedule reports as kept: messages already out, or being sent right now (it
# leaves cancelled ones alone too, but does not count them).
KEPT_BY_RESCHEDULE = frozenset(
    {MessageStatus.SENT, MessageStatus.EXPIRED, MessageStatus.FAILED, MessageStatus.SENDING}
)


# How old the staff roster may be before it is read again (StaffRoster): someone added as
# staff by another process is recognised within this.
ROSTER_SECONDS = 60


async def is_staff(ctx: AppContext, user_id: int | None) -> bool:
    """Admins from settings and staff not removed. A user missing from the roster read in
    the last ROSTER_SECONDS is not staff without asking the database (every patient's
    message asks); one on it is confirmed there."""
    if user_id is None:
        return False
    if user_id in ctx.settings.staff.admin_ids:
        return True
    roster, now = ctx.roster, ctx.clock.now()
    fresh = roster.read_at is not None and (
        timedelta(0) <= now - roster.read_at < timedelta(seconds=ROSTER_SECONDS))
    if fresh and user_id not in roster.ids:
        return False
    async with Store(ctx.sessions) as store:
        if not fresh:
            roster.ids = frozenset(s.user_id for s in await store.staff.list())
            roster.read_at = now
            if user_id not in roster.ids:
                return False
        return await store.staff.is_staff(user_id, ctx.settings.staff.admin_ids)


async def is_admin(ctx: AppContext, user_id: int | None) -> bool:
    if user_id is None:
        return False
    async with Store(ctx.sessions) as store:
        return await store.staff.is_admin(user_id, ctx.settings.staff.admin_ids)


async def audit(
    ctx: AppContext,
    *,
    actor_id: int | None,
    action: str,
    outcome: str,
    target: str | None = None,
    detail: str | None = None,
) -> None:
    """One audit row (ids and codes only: never names or message texts); `outcome` is an
    AuditOutcome or its text."""
    async with Store(ctx.sessions) as store:
        await store.audit.record(
            actor_id=actor_id, action=action, outcome=outcome, target=target, detail=detail,
            now=ctx.clock.now(),
        )


# --- listing and inspection --------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class PatientSummary:
    """One line of /patients."""

    patient: PatientRecord
    enrollment: EnrollmentRecord | None  # the newest
    next_due: datetime | None

    @property
    def status(self) -> str:
        """As staff see it: "cancelled" when staff cancelled the care of a live patient."""
        return shown_status(self.patient.status,
                            self.enrollment.status if self.enrollment else None)


@dataclass(frozen=True, kw_only=True)
class PatientPage:
    rows: tuple[PatientSummary, ...]
    page: int
    has_more: bool


# An erased patient is no row; nor a record whose invitation staff added to another patient
# (merged: its procedure is listed there; /patient <id> still shows it).
LISTED = frozenset(PatientStatus) - {PatientStatus.FORGOTTEN, PatientStatus.MERGED}


async def list_patients(
    ctx: AppContext, *, page: int = 1, search: str | None = None
) -> PatientPage:
    """Patients, newest first, PAGE_SIZE per page, each with their next message time;
    erased patients are not listed; `search` keeps those whose label contains it."""
    now = ctx.clock.now()
    async with Store(ctx.sessions) as store:
        found: tuple[PatientOverview, ...] = await store.patients.list(
            statuses=sorted(LISTED), limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE,
            label_contains=search,
        )
        rows = []
        for overview in found[:PAGE_SIZE]:
            upcoming = await store.messages.upcoming_for_patient(overview.patient.id, now, limit=1)
            rows.append(
                PatientSummary(
                    patient=overview.patient,
                    enrollment=overview.enrollments[0] if overview.enrollments else None,
                    next_due=upcoming[0].due_at if upcoming else None,
                )
            )
    return PatientPage(rows=tuple(rows), page=page, has_more=len(found) > PAGE_SIZE)


@dataclass(frozen=True, kw_only=True)
class PatientDetail:
    """/patient <id>: the patient and each enrollment with its whole plan."""

    patient: PatientRecord
    plans: tuple[tuple[EnrollmentRecord, tuple[MessageRecord, ...]], ...]
    merged_into: int | None = None  # a merged record: whose care its procedure joined

    @property
    def status(self) -> str:
        """As staff see it (the plans are newest first): "cancelled" after a staff cancel."""
        return shown_status(self.patient.status, self.plans[0][0].status if self.plans else None)


async def patient_detail(ctx: AppContext, patient_id: int) -> PatientDetail | None:
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
        if patient is None:
            return None
        plans = []
        for enrollment in await store.enrollments.list_for_patient(patient_id):
            plans.append((enrollment, await store.messages.list_for_enrollment(enrollment.id)))
        merged_into = (await store.join_requests.merged_into(patient_id)
                       if patient.status == PatientStatus.MERGED else None)
    return PatientDetail(patient=patient, plans=tuple(plans), merged_into=merged_into)


# --- reschedule (cancel and its undo: services/cancellations.py) --------------------------

@dataclass(frozen=True, kw_only=True)
class RescheduleResult:
    enrollment_id: int
    session_start: datetime
    replanned: int   # pending messages updated or inserted
    kept: int        # messages sent, expired, failed or being sent (see KEPT_BY_RESCHEDULE)
    booked: bool = False  # a session booked ahead moved: the patient is told, asked again


async def reschedule_patient(
    ctx: AppContext, patient_id: int, session_start: datetime, *, staff_id: int
) -> RescheduleResult | None:
    """Move the newest live enrollment's session; pending messages re-planned, sent ones kept.

    None when the patient has no live enrollment. An enrollment whose invite is not yet
    accepted only gets its new start: its plan is made at consent.
    """
    now = ctx.clock.now()
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


# --- stats -------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Stats:
    now: datetime
    patients: dict[str, int]
    messages: MessageStats
    failed_24h: int
    open_escalations: int
    cases: CaseFigures | None = None


async def stats(ctx: AppContext) -> Stats:
    now = ctx.clock.now()
    async with Store(ctx.sessions) as store:
        messages = await store.messages.stats(now)
        patients = await store.patients.count_by_status()
        failed_24h = await store.messages.failed_since(now - timedelta(hours=24))
        open_escalations = await store.escalations.count_open()
        cases = await case_figures(store.session)
    return Stats(
        now=now, patients=patients, messages=messages, failed_24h=failed_24h,
        open_escalations=open_escalations, cases=cases,
    )


# --- staff management --------------------------------------------------------------------

async def add_staff(ctx: AppContext, user_id: int, *, admin_id: int) -> bool:
    """Add (or bring back) a staff member; False if they already were staff."""
    now = ctx.clock.now()
    async with Store(ctx.sessions) as store:
        already = await store.staff.is_staff(user_id, ctx.settings.staff.admin_ids)
        if not already:
            await store.staff.add(user_id, admin_id, now)
            ctx.roster.read_at = None  # read again at the next check
        await store.audit.record(
            actor_id=admin_id, action="staff_add", outcome=AuditOutcome.OK,
            target=f"user:{user_id}",
            detail="already staff" if already else None, now=now,
        )
    return not already


async def remove_staff(ctx: AppContext, user_id: int, *, admin_id: int) -> bool:
    """Remove a staff member; False if they were not staff (settings admins stay)."""
    now = ctx.clock.now()
    async with Store(ctx.sessions) as store:
        removed = await store.staff.remove(user_id, now)
        await store.audit.record(
            actor_id=admin_id, action="staff_remove", outcome=AuditOutcome.OK,
            target=f"user:{user_id}",
            detail=None if removed else "not staff", now=now,
        )
    return removed


async def list_staff(ctx: AppContext) -> tuple[list[int], list[int]]:
    """(admins from the settings file, staff added with /staff add), user ids ascending."""
    async with Store(ctx.sessions) as store:
        added = await store.staff.list()
    admins = sorted(ctx.settings.staff.admin_ids)
    return admins, sorted(r.user_id for r in added if r.user_id not in admins)
