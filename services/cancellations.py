"""Cancelling a patient's care, and undoing it for a day.

Staff confirm first (the bot's buttons, the console's dialog). The cancel cuts every live
enrollment (its pending messages and unused invite), records what each enrollment was
before (`cancellations`) and queues the patient's "your reminders were cancelled" notice
through the outbox, all in one transaction. Undo (`/undo`, the Undo button, the console),
until UNDO_FOR after the cancel, puts it back: the enrollments as they were, their
cancelled messages planned again from now (what is past its expiry by now expires), an
invite's link valid again until its old expiry; the notice is withdrawn while it still
waits, else the patient is told their reminders are back on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.records import CancellationRecord, CancelledEnrollment, PatientRecord
from core.statuses import AuditOutcome, EnrollmentStatus, MessageStatus, PatientStatus
from core.texts import patient as patient_texts
from services.context import AppContext
from services.planning import UnknownProtocol, plan_for_enrollment
from storage import console_writes as writes
from storage.patient_data import patient_target
from storage.repositories import Repositories, Store

UNDO_FOR = timedelta(days=1)
CANCEL_REASON = "enrollment"  # what a cancelled message's last_error says ("cancelled: ...")
CANCEL_REASON_COURSE = "cancelled"  # courses.end_reason of a course the cancel dropped
CANCEL_NOTICE_STEP = "notice-cancelled"  # step_id of the outbox row telling the patient
RESUMED_NOTICE_STEP = "notice-resumed"


@dataclass(frozen=True, kw_only=True)
class CancelPreview:
    """What a cancel would cut, for the question staff confirm."""

    patient: PatientRecord
    protocols: tuple[str, ...]  # protocol ids of the live enrollments
    pending: int  # messages still to go out
    tells_patient: bool  # the patient has joined and would be told


@dataclass(frozen=True, kw_only=True)
class CancelResult:
    enrollments: int
    messages: int
    notify_chat_id: int | None  # the patient's chat, when they are told
    language: str = "en"  # the patient's language, for that notice
    cancellation: CancellationRecord | None = None  # None when there was nothing to cancel


@dataclass(frozen=True, kw_only=True)
class UndoResult:
    """What an undo did: `outcome` ok, or why not: none (nothing to undo), too_late,
    changed (a new session or invitation since), gone (the patient stopped or erased)."""

    outcome: str
    patient_id: int | None = None
    cancellation: CancellationRecord | None = None
    enrollments: int = 0
    planned: int = 0  # messages pending again
    told: bool = False  # the patient is told care resumes (they had been told it stopped)


async def preview_cancel(ctx: AppContext, patient_id: int) -> CancelPreview | None:
    """What cancelling would do; None when there is no such patient."""
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
        if patient is None or patient.status == PatientStatus.FORGOTTEN:
            return None
        live = [e for e in await store.enrollments.list_for_patient(patient_id)
                if e.status in EnrollmentStatus.LIVE]
        pending = 0
        for enrollment in live:
            pending += sum(1 for m in await store.messages.list_for_enrollment(enrollment.id)
                           if m.status == MessageStatus.PENDING)
    return CancelPreview(
        patient=patient, protocols=tuple(e.protocol_id for e in live), pending=pending,
        tells_patient=bool(live) and _reachable(patient),
    )


def _reachable(patient: PatientRecord) -> bool:
    """Only an active patient's chat may receive a message from the clinic."""
    return patient.status == PatientStatus.ACTIVE and patient.chat_id is not None


async def cancel_care(ctx: AppContext, patient_id: int, *, staff_id: int,
                      now: datetime) -> CancelResult | None:
    """Cancel every live enrollment of the patient (and so their pending messages and
    unused invites), remember it for undo, and queue the patient's notice when they had
    joined: one transaction. None when there is no such patient."""
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
        if patient is None:
            return None
        cut: list[CancelledEnrollment] = []
        messages = 0
        for enrollment in await store.enrollments.list_for_patient(patient_id):
            if enrollment.status not in EnrollmentStatus.LIVE:
                continue
            invites = await store.invites.unused_for_enrollment(enrollment.id, now)
            invite = max(invites, key=lambda i: i.id) if invites else None
            messages += await store.enrollments.cancel(enrollment.id, now)
            cut.append(CancelledEnrollment(
                id=enrollment.id, status=enrollment.status,
                invite_id=invite.id if invite else None,
                invite_expires_at=invite.expires_at if invite else None))
        # Booked sessions go with the care (their calendar entries show cancelled), and
        # the course ends dropped; an undo brings both back.
        await store.bookings.cancel_open(now=now, by=staff_id, patient_id=patient_id,
                                         enrollment_ids=[c.id for c in cut])
        await store.courses.drop_active(patient_id, CANCEL_REASON_COURSE, now)
        await store.audit.record(
            actor_id=staff_id, action="cancel", outcome=AuditOutcome.OK,
            target=patient_target(patient_id),
            detail=f"enrollments:{len(cut)} messages:{messages}", now=now,
        )
        if not cut:
            return CancelResult(enrollments=0, messages=0, notify_chat_id=None,
                                language=patient.language)
        notify = patient.chat_id if _reachable(patient) else None
        notice_id = None
        if notify is not None:
            notice_id = await _notice(store, ctx, patient, CANCEL_NOTICE_STEP,
                                      "cancelled_by_clinic", now)
        cancellation = await store.cancellations.record(
            patient_id=patient_id, staff_id=staff_id, at=now, undo_until=now + UNDO_FOR,
            enrollments=cut, notice_id=notice_id)
    if notice_id is not None:
        ctx.wake_delivery()
    return CancelResult(enrollments=len(cut), messages=messages, notify_chat_id=notify,
                        language=patient.language, cancellation=cancellation)


async def _notice(store: Repositories, ctx: AppContext, patient: PatientRecord, step_id: str,
                  key: str, now: datetime) -> int:
    """Queue one of the bot's own notices to the patient, in their language (the outbox
    retries it, paces it, keeps their quiet hours and skips them if they stop meanwhile)."""
    assert patient.chat_id is not None
    clinic = ctx.settings.clinic
    language = patient_texts.ui_language(patient.language)
    text = patient_texts.t(key, language, clinic=clinic.name,
                           contact=clinic.contact_for(patient.language))
    return await writes.enqueue_patient_notice(
        store.session, patient_id=patient.id, chat_id=patient.chat_id, step_id=step_id,
        text=text, now=now)


async def undo_cancel(
    ctx: AppContext, *, staff_id: int, cancellation_id: int | None = None,
    patient_id: int | None = None, now: datetime,
) -> UndoResult:
    """Undo a cancellation: the one given, else the patient's latest, else this staff
    member's latest. Audited either way."""
    async with Store(ctx.sessions) as store:
        if cancellation_id is not None:
            found = await store.cancellations.get(cancellation_id)
        elif patient_id is not None:
            found = await store.cancellations.latest(patient_id=patient_id)
        else:
            found = await store.cancellations.latest(staff_id=staff_id)
        result = await _undo(store, ctx, found, staff_id=staff_id, now=now)
        await store.audit.record(
            actor_id=staff_id, action="cancel.undo",
            outcome=AuditOutcome.OK if result.outcome == "ok" else AuditOutcome.INVALID,
            target=patient_target(found.patient_id) if found else None,
            detail=None if result.outcome == "ok" else result.outcome, now=now,
        )
    if result.outcome == "ok":
        ctx.wake_delivery()
    return result


async def _undo(store: Repositories, ctx: AppContext, found: CancellationRecord | None, *,
                staff_id: int, now: datetime) -> UndoResult:
    if found is None or found.undone_at is not None:
        return UndoResult(outcome="none", cancellation=found,
                          patient_id=found.patient_id if found else None)
    refused = await _refusal(store, found, now)
    if refused is not None:
        return UndoResult(outcome=refused, patient_id=found.patient_id, cancellation=found)
    if not await store.cancellations.mark_undone(found.id, staff_id, now):
        return UndoResult(outcome="none", patient_id=found.patient_id, cancellation=found)
    patient = await store.patients.get(found.patient_id)
    assert patient is not None
    planned = restored = 0
    for cut in found.enrollments:
        enrollment = await store.enrollments.restore(cut.id, cut.status, found.at)
        if enrollment is None:
            continue
        restored += 1
        if cut.invite_id is not None and cut.invite_expires_at is not None:
            await store.invites.set_expiry(cut.invite_id, cut.invite_expires_at)
        if enrollment.status == EnrollmentStatus.BOOKED:
            await store.bookings.restore_cancelled(enrollment.id, found.at)
        elif enrollment.status != EnrollmentStatus.ACTIVE:
            continue  # an invitation: its plan is made when the patient joins
        await store.messages.revive_cancelled(enrollment.id, CANCEL_REASON, found.at)
        try:
            plan = plan_for_enrollment(ctx, patient, enrollment, now)
        except UnknownProtocol:
            continue
        replanned = await store.messages.replace_pending(enrollment.id, plan, now)
        planned += replanned.updated + replanned.inserted
    await store.courses.reopen(found.patient_id, CANCEL_REASON_COURSE, found.at)
    told = await _withdraw_or_resume(store, ctx, patient, found, now)
    return UndoResult(outcome="ok", patient_id=found.patient_id, cancellation=found,
                      enrollments=restored, planned=planned, told=told)


async def _refusal(store: Repositories, found: CancellationRecord, now: datetime) -> str | None:
    """Why this cancellation cannot be undone now (None: it can)."""
    if now > found.undo_until:
        return "too_late"
    patient = await store.patients.get(found.patient_id)
    if patient is None or patient.status not in PatientStatus.LIVE:
        return "gone"
    newest = max((e.id for e in found.enrollments), default=0)
    later = [e for e in await store.enrollments.list_for_patient(found.patient_id)
             if e.id > newest]
    return "changed" if later else None


async def _withdraw_or_resume(store: Repositories, ctx: AppContext, patient: PatientRecord,
                              found: CancellationRecord, now: datetime) -> bool:
    """The cancel notice is dropped if it has not gone out yet; if it has, the patient is
    told their reminders are back on. True when they are told."""
    if found.notice_id is None or patient.chat_id is None:
        return False
    notice = await store.messages.get(found.notice_id)
    if notice is not None and notice.status == MessageStatus.PENDING:
        await store.messages.cancel_pending_by_id(notice.id, now, "undone")
        current = await store.messages.get(notice.id)
        if current is not None and current.status == MessageStatus.CANCELLED:
            return False
    await _notice(store, ctx, patient, RESUMED_NOTICE_STEP, "resumed_by_clinic", now)
    return True
