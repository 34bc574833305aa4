"""Staff looking patients up: /patients (filtered, paged) and /patient (one patient's record,
enrollments and messages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.records import EnrollmentRecord, MessageRecord, PatientOverview, PatientRecord
from core.statuses import PatientStatus, shown_status
from services.context import AppContext
from storage.console_queries import PatientRow
from storage.repositories import Store

PAGE_SIZE = 30


# One line of /patients: the same row as the console's search (storage/console_queries.py).
PatientSummary = PatientRow


@dataclass(frozen=True, kw_only=True)
class PatientPage:
    rows: tuple[PatientSummary, ...]
    page: int
    has_more: bool


# An erased patient is no row; nor a record whose invitation staff added to another patient
# (merged: its procedure is listed there; /patient <id> still shows it).
LISTED = frozenset(PatientStatus) - {PatientStatus.FORGOTTEN, PatientStatus.MERGED}


async def list_patients(
    ctx: AppContext, *, page: int = 1, search: str | None = None, now: datetime
) -> PatientPage:
    """Patients, newest first, PAGE_SIZE per page, each with their next message time;
    erased patients are not listed; `search` keeps those whose label contains it."""
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
