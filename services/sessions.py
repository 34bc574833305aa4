"""Repeat sessions: a patient's new session of the same procedure replaces the earlier plan.

One plan per protocol at a time: the new session's care starts, the earlier session's
pending messages are cancelled as superseded (shown in /patient), and the session count
carries on. Staff record one with `/session <patient-id> [time]`; a second invite for the
same protocol accepted in the patient's chat does the same (services/onboarding).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.statuses import AuditOutcome, EnrollmentStatus, PatientStatus
from services.context import AppContext
from services.planning import plan_for_enrollment
from storage.patient_data import patient_target
from storage.repositories import Store

# How a superseded message's last_error starts (storage writes "cancelled: <reason>").
SUPERSEDED_PREFIX = "cancelled: superseded by session "


@dataclass(frozen=True, kw_only=True)
class NewSession:
    """What `/session` did, or why it did nothing (`problem`: no_patient, not_joined)."""

    problem: str | None = None  # no_patient | not_joined | cancelled_before_joining
    enrollment_id: int | None = None
    session_number: int = 0
    session_start: datetime | None = None
    planned: int = 0
    superseded_messages: int = 0
    resumed: bool = False  # the patient's care had been cancelled: it starts again


async def new_session(
    ctx: AppContext, patient_id: int, session_start: datetime, *, staff_id: int
) -> NewSession:
    """Record a new session of the patient's current procedure and plan its care.

    The patient must have joined (an active patient with a live enrollment, or one whose
    care staff cancelled: it starts again): before that there is no plan to replace, and
    /reschedule moves the invited session instead.
    """
    now = ctx.clock.now()
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
        if patient is None or patient.status == PatientStatus.FORGOTTEN:
            return NewSession(problem="no_patient")
        enrollments = await store.enrollments.list_for_patient(patient_id)  # newest first
        current = [e for e in enrollments if e.status == EnrollmentStatus.ACTIVE]
        cancelled = bool(enrollments) and enrollments[0].status == EnrollmentStatus.CANCELLED
        if patient.status != PatientStatus.ACTIVE or patient.chat_id is None:
            return NewSession(problem="cancelled_before_joining" if cancelled
                              and patient.status == PatientStatus.INVITED else "not_joined")
        if not current and cancelled:
            current = [enrollments[0]]  # care was cancelled: this session starts it again
        if not current:
            return NewSession(problem="not_joined")
        previous = max(current, key=lambda e: e.id)
        created = await store.enrollments.create(
            patient_id=patient_id, protocol_id=previous.protocol_id,
            session_start=session_start, created_by=staff_id, now=now,
            status=EnrollmentStatus.ACTIVE,
        )
        _superseded, cut = await store.enrollments.supersede_earlier(created.id, now)
        enrollment = await store.enrollments.get(created.id)
        assert enrollment is not None
        planned = plan_for_enrollment(ctx, patient, enrollment, now)
        queued = await store.messages.insert_plan(
            enrollment_id=enrollment.id, patient_id=patient_id, chat_id=patient.chat_id,
            planned=planned, now=now,
        )
        await store.audit.record(
            actor_id=staff_id, action="session", outcome=AuditOutcome.OK,
            target=patient_target(patient_id),
            detail=f"enrollment:{enrollment.id} supersedes:{previous.id}", now=now,
        )
    ctx.wake_delivery()
    return NewSession(
        enrollment_id=enrollment.id, session_number=enrollment.session_number,
        session_start=session_start, planned=queued, superseded_messages=cut,
        resumed=previous.status == EnrollmentStatus.CANCELLED,
    )
