"""Enrollment repository: a patient on a protocol for one treatment session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import ENROLLMENT_STATUSES, EnrollmentRecord
from storage.models import Enrollment, Invite, ScheduledMessage


def enrollment_record(row: Enrollment) -> EnrollmentRecord:
    return EnrollmentRecord(
        id=row.id,
        patient_id=row.patient_id,
        protocol_id=row.protocol_id,
        session_start=row.session_start,
        status=row.status,
        created_by=row.created_by,
        created_at=row.created_at,
        cancelled_at=row.cancelled_at,
    )


class EnrollmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _row(self, enrollment_id: int) -> Enrollment:
        row = await self._session.get(Enrollment, enrollment_id)
        if row is None:
            raise LookupError(f"no enrollment {enrollment_id}")
        return row

    async def create(
        self,
        *,
        patient_id: int,
        protocol_id: str,
        session_start: datetime,
        created_by: int | None,
        now: datetime,
    ) -> EnrollmentRecord:
        require_aware(session_start, "session_start")
        require_aware(now, "now")
        row = Enrollment(
            patient_id=patient_id,
            protocol_id=protocol_id,
            session_start=session_start,
            status="invited",
            created_by=created_by,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return enrollment_record(row)

    async def get(self, enrollment_id: int) -> EnrollmentRecord | None:
        row = await self._session.get(Enrollment, enrollment_id)
        return None if row is None else enrollment_record(row)

    async def list_for_patient(self, patient_id: int) -> tuple[EnrollmentRecord, ...]:
        """The patient's enrollments, newest first."""
        rows = await self._session.scalars(
            select(Enrollment)
            .where(Enrollment.patient_id == patient_id)
            .order_by(Enrollment.id.desc())
        )
        return tuple(enrollment_record(row) for row in rows)

    async def set_status(self, enrollment_id: int, status: str) -> EnrollmentRecord:
        """Set invited/active/stopped; use `cancel` for "cancelled" (it also stops delivery)."""
        if status not in ENROLLMENT_STATUSES or status == "cancelled":
            raise ValueError(f"unknown enrollment status {status!r}")
        row = await self._row(enrollment_id)
        row.status = status
        await self._session.flush()
        return enrollment_record(row)

    async def move_to_patient(self, enrollment_id: int, patient_id: int) -> EnrollmentRecord:
        """Attach the enrollment to another patient (a second invite opened in a bound chat)."""
        row = await self._row(enrollment_id)
        row.patient_id = patient_id
        await self._session.flush()
        return enrollment_record(row)

    async def set_session_start(
        self, enrollment_id: int, session_start: datetime
    ) -> EnrollmentRecord:
        """Reschedule; the caller then re-plans with `messages.replace_pending`."""
        require_aware(session_start, "session_start")
        row = await self._row(enrollment_id)
        row.session_start = session_start
        await self._session.flush()
        return enrollment_record(row)

    async def cancel(self, enrollment_id: int, now: datetime) -> int:
        """Cancel the enrollment, its pending messages and unused invite; returns messages cut.

        Done here, in the caller's transaction, so a cancelled enrollment can never keep a
        pending message or a usable invite.
        """
        require_aware(now, "now")
        row = await self._row(enrollment_id)
        row.status = "cancelled"
        row.cancelled_at = now
        result = await self._session.execute(
            update(ScheduledMessage)
            .where(
                ScheduledMessage.enrollment_id == enrollment_id,
                ScheduledMessage.status == "pending",
            )
            .values(status="cancelled", finished_at=now, last_error="cancelled: enrollment")
        )
        await self._session.execute(
            update(Invite)
            .where(
                Invite.enrollment_id == enrollment_id,
                Invite.used_at.is_(None),
                Invite.expires_at > now,
            )
            .values(expires_at=now)
        )
        await self._session.flush()
        return int(result.rowcount)  # type: ignore[attr-defined]
