"""Cancellations: what a staff cancel of a patient's care did, so it can be undone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import CancellationRecord, CancelledEnrollment
from core.statuses import EnrollmentStatus
from storage.models import Cancellation


def _enrollment(item: dict[str, Any]) -> CancelledEnrollment:
    expires = item.get("invite_expires_at")
    return CancelledEnrollment(
        id=int(item["id"]), status=EnrollmentStatus(item["status"]),
        invite_id=item.get("invite_id"),
        invite_expires_at=datetime.fromisoformat(expires) if expires else None,
    )


def _stored(item: CancelledEnrollment) -> dict[str, Any]:
    return {"id": item.id, "status": str(item.status), "invite_id": item.invite_id,
            "invite_expires_at": item.invite_expires_at.isoformat()
            if item.invite_expires_at else None}


def _record(row: Cancellation) -> CancellationRecord:
    return CancellationRecord(
        id=row.id, patient_id=row.patient_id, staff_id=row.staff_id, at=row.at,
        undo_until=row.undo_until,
        enrollments=tuple(_enrollment(item) for item in row.enrollments or ()),
        notice_id=row.notice_id, undone_at=row.undone_at, undone_by=row.undone_by,
    )


class CancellationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self, *, patient_id: int, staff_id: int | None, at: datetime, undo_until: datetime,
        enrollments: Sequence[CancelledEnrollment], notice_id: int | None,
    ) -> CancellationRecord:
        require_aware(at, "at")
        row = Cancellation(patient_id=patient_id, staff_id=staff_id, at=at,
                           undo_until=undo_until, enrollments=[_stored(e) for e in enrollments],
                           notice_id=notice_id)
        self._session.add(row)
        await self._session.flush()
        return _record(row)

    async def get(self, cancellation_id: int) -> CancellationRecord | None:
        row = await self._session.get(Cancellation, cancellation_id,
                                      populate_existing=True)
        return None if row is None else _record(row)

    async def latest(
        self, *, patient_id: int | None = None, staff_id: int | None = None
    ) -> CancellationRecord | None:
        """The newest cancellation of this patient (or by this staff member)."""
        query = select(Cancellation).order_by(Cancellation.id.desc()).limit(1)
        if patient_id is not None:
            query = query.where(Cancellation.patient_id == patient_id)
        if staff_id is not None:
            query = query.where(Cancellation.staff_id == staff_id)
        row = await self._session.scalar(query)
        return None if row is None else _record(row)

    async def mark_undone(self, cancellation_id: int, by: int | None, now: datetime) -> bool:
        """Mark it undone; False when it already was (a second press, a race)."""
        require_aware(now, "now")
        row = await self._session.get(Cancellation, cancellation_id, with_for_update=True,
                                      populate_existing=True)
        if row is None or row.undone_at is not None:
            return False
        row.undone_at, row.undone_by = now, by
        await self._session.flush()
        return True
