"""Enrolling at the front desk from the console: the bot's enrollment use case, then a
status the page polls until the patient has consented in Telegram."""

from __future__ import annotations

from dataclasses import dataclass

from core.statuses import EnrollmentStatus
from services.context import AppContext
from services.enrollment import (
    EnrollmentInputError,
    EnrollmentRequest,
    NewInvite,
    check_label,
    enroll,
    parse_session_time,
)
from storage.repositories import Store


async def enroll_at_desk(
    ctx: AppContext, *, protocol_id: str, when: str, label: str, staff_id: int
) -> NewInvite:
    """Create patient, enrollment and invite from the form (time in the clinic zone, as
    staff type it; empty = now). Raises EnrollmentInputError with the bot's reasons."""
    if protocol_id not in ctx.content.protocols:
        raise EnrollmentInputError("unknown_protocol", given=protocol_id)
    now = ctx.clock.now()
    request = EnrollmentRequest(
        protocol_id=protocol_id,
        session_start=parse_session_time(when, ctx.zone, now,
                                         date_order=ctx.settings.clinic.date_order),
        label=check_label(label),
    )
    return await enroll(ctx, request, staff_id=staff_id, now=now)


@dataclass(frozen=True, kw_only=True)
class InviteProgress:
    """Where an invite made at the desk stands: waiting, joined or cancelled."""

    state: str  # waiting | joined | closed | unknown
    patient_id: int | None = None  # the patient the enrollment belongs to now


async def invite_progress(ctx: AppContext, enrollment_id: int) -> InviteProgress:
    """Whether the patient has consented. The enrollment is followed, not the patient: a
    chat that already had a patient keeps that one and the placeholder is erased."""
    async with Store(ctx.sessions) as store:
        enrollment = await store.enrollments.get(enrollment_id)
    if enrollment is None:
        return InviteProgress(state="unknown")
    if enrollment.status == EnrollmentStatus.INVITED:
        return InviteProgress(state="waiting", patient_id=enrollment.patient_id)
    if enrollment.status == EnrollmentStatus.ACTIVE:
        return InviteProgress(state="joined", patient_id=enrollment.patient_id)
    return InviteProgress(state="closed", patient_id=enrollment.patient_id)
