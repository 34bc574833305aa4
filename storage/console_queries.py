"""Read queries the staff console needs (Today, patient search, a patient's timeline), each
one indexed query returning core.records values, never ORM rows."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import (
    AuditRecord,
    EnrollmentRecord,
    EscalationRecord,
    MessageRecord,
    PatientRecord,
)
from core.statuses import EscalationStatus, MessageKind, MessageStatus
from storage.models import AuditEvent, Enrollment, Escalation, Patient, ScheduledMessage
from storage.repositories.audit import audit_record
from storage.repositories.enrollments import enrollment_record
from storage.repositories.escalations import escalation_record
from storage.repositories.messages import message_record
from storage.repositories.patients import patient_record

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class Listing(Generic[T]):
    """Some rows of a longer list, and how many there are in all."""

    rows: tuple[T, ...]
    total: int


async def _listing(
    session: AsyncSession, query: Select[ScheduledMessage], limit: int
) -> Listing[MessageRecord]:
    rows = await session.scalars(query.limit(limit))
    total = await session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery())
    )
    return Listing(rows=tuple(message_record(row) for row in rows), total=int(total or 0))


async def due_before(
    session: AsyncSession, until: datetime, *, limit: int = 50
) -> Listing[MessageRecord]:
    """Patient messages still to go out by `until` (overdue ones too), soonest first."""
    require_aware(until, "until")
    query = (
        select(ScheduledMessage)
        .where(
            ScheduledMessage.status == MessageStatus.PENDING,
            ScheduledMessage.available_at <= until,
            ScheduledMessage.kind != MessageKind.ALERT,
        )
        .order_by(ScheduledMessage.available_at, ScheduledMessage.id)
    )
    return await _listing(session, query, limit)


async def failed_since(
    session: AsyncSession, since: datetime, *, limit: int = 50
) -> Listing[MessageRecord]:
    """Messages that ended as failed at or after `since`, newest first."""
    require_aware(since, "since")
    query = (
        select(ScheduledMessage)
        .where(
            ScheduledMessage.status == MessageStatus.FAILED,
            ScheduledMessage.finished_at >= since,
        )
        .order_by(ScheduledMessage.finished_at.desc(), ScheduledMessage.id.desc())
    )
    return await _listing(session, query, limit)


async def open_escalations(session: AsyncSession, *, limit: int = 200) -> tuple[
    EscalationRecord, ...
]:
    """Unresolved cases (open or acknowledged), oldest first."""
    rows = await session.scalars(
        select(Escalation)
        .where(Escalation.status.in_(EscalationStatus.UNRESOLVED))
        .order_by(Escalation.created_at, Escalation.id)
        .limit(limit)
    )
    return tuple(escalation_record(row) for row in rows)


async def audit_since(
    session: AsyncSession, since: datetime, actions: Collection[str], *, limit: int = 100
) -> tuple[AuditRecord, ...]:
    """Successful audit events of these actions at or after `since`, newest first."""
    require_aware(since, "since")
    rows = await session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.at >= since,
            AuditEvent.action.in_(sorted(actions)),
            AuditEvent.outcome == "ok",
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return tuple(audit_record(row) for row in rows)


async def patients_by_id(
    session: AsyncSession, patient_ids: Collection[int]
) -> dict[int, PatientRecord]:
    """The patients with these ids (missing ids are left out)."""
    if not patient_ids:
        return {}
    rows = await session.scalars(select(Patient).where(Patient.id.in_(sorted(patient_ids))))
    return {row.id: patient_record(row) for row in rows}


@dataclass(frozen=True, kw_only=True)
class PatientRow:
    """One line of the patient search: the patient, their newest enrollment, next message."""

    patient: PatientRecord
    enrollment: EnrollmentRecord | None
    next_due: datetime | None


def _newest_enrollment_ids() -> Select[int]:
    return select(func.max(Enrollment.id)).group_by(Enrollment.patient_id)


async def search_patients(
    session: AsyncSession,
    *,
    now: datetime,
    text: str | None = None,
    protocol_id: str | None = None,
    statuses: Sequence[str] = (),
    limit: int = 30,
    offset: int = 0,
) -> tuple[tuple[PatientRow, ...], bool]:
    """Patients, newest first: `text` matches the id exactly or the label (any case);
    `protocol_id` the newest enrollment's protocol; `statuses` the patient status.
    Returns (rows, whether there are more)."""
    require_aware(now, "now")
    query = select(Patient).order_by(Patient.id.desc())
    if statuses:
        query = query.where(Patient.status.in_(list(statuses)))
    if text:
        label = func.lower(Patient.label).contains(text.lower(), autoescape=True)
        digits = text.lstrip("#")
        query = query.where(or_(Patient.id == int(digits), label) if digits.isdigit() else label)
    if protocol_id:
        newest = (
            select(Enrollment.patient_id)
            .where(Enrollment.protocol_id == protocol_id)
            .where(Enrollment.id.in_(_newest_enrollment_ids()))
        )
        query = query.where(Patient.id.in_(newest))
    patients = list(await session.scalars(query.limit(limit + 1).offset(offset)))
    more = len(patients) > limit
    patients = patients[:limit]
    ids = [p.id for p in patients]
    enrollments: dict[int, EnrollmentRecord] = {}
    due: dict[int, datetime] = {}
    if ids:
        for row in await session.scalars(
            select(Enrollment).where(Enrollment.patient_id.in_(ids)).order_by(Enrollment.id)
        ):
            enrollments[row.patient_id] = enrollment_record(row)
        for patient_id, next_due in await session.execute(
            select(ScheduledMessage.patient_id, func.min(ScheduledMessage.due_at))
            .where(
                ScheduledMessage.patient_id.in_(ids),
                ScheduledMessage.status == MessageStatus.PENDING,
                or_(ScheduledMessage.expires_at.is_(None), ScheduledMessage.expires_at > now),
            )
            .group_by(ScheduledMessage.patient_id)
        ):
            if patient_id is not None and next_due is not None:
                due[patient_id] = _aware(next_due)
    rows = tuple(
        PatientRow(patient=patient_record(p), enrollment=enrollments.get(p.id),
                   next_due=due.get(p.id))
        for p in patients
    )
    return rows, more


def _aware(value: datetime) -> datetime:
    # Aggregates bypass the column type, so SQLite hands back a naive (UTC) value or text.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def messages_for_patient(
    session: AsyncSession, patient_id: int, enrollment_ids: Collection[int]
) -> tuple[MessageRecord, ...]:
    """Every message of the patient's enrollments, and alerts about them, by due time.

    Two indexed queries (enrollment_id, about_patient_id), not one OR that SQLite answers
    with a scan of the whole outbox."""
    found: list[ScheduledMessage] = []
    wanted = [ScheduledMessage.about_patient_id == patient_id]
    if enrollment_ids:
        wanted.append(ScheduledMessage.enrollment_id.in_(sorted(enrollment_ids)))
    for criterion in wanted:
        found.extend(await session.scalars(
            select(ScheduledMessage).where(criterion)
            .execution_options(populate_existing=True)
        ))
    unique = {row.id: row for row in found}.values()
    ordered = sorted(unique, key=lambda row: (row.due_at, row.id))
    return tuple(message_record(row) for row in ordered)


async def escalations_for_patient(
    session: AsyncSession, patient_id: int
) -> tuple[EscalationRecord, ...]:
    """The patient's escalations, oldest first."""
    rows = await session.scalars(
        select(Escalation)
        .where(Escalation.patient_id == patient_id)
        .order_by(Escalation.created_at, Escalation.id)
    )
    return tuple(escalation_record(row) for row in rows)


async def audit_for_patient(
    session: AsyncSession, target: str, since: datetime, *, limit: int = 100
) -> tuple[AuditRecord, ...]:
    """Audit events naming the patient (`target`) at or after `since` (when the patient was
    created: the `at` index bounds the search), newest first."""
    require_aware(since, "since")
    rows = await session.scalars(
        select(AuditEvent)
        .where(AuditEvent.at >= since, or_(AuditEvent.target == target,
                                           AuditEvent.detail == target))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return tuple(audit_record(row) for row in rows)
