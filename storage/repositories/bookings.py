"""Booking repository: sessions booked ahead, their confirmation, and how they ended.

Every change names the statuses it may change from (compare and set): a booking recorded as
done by one staff member is not recorded as a no-show by another a second later, and a
patient's late "I'll be there" does not reopen a cancelled booking. `sequence` goes up with
every change a calendar shows (moved, confirmed, cancelled, done).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import BookingRecord
from core.statuses import BookingStatus
from storage.models import Booking


def booking_record(row: Booking) -> BookingRecord:
    return BookingRecord(
        id=row.id, patient_id=row.patient_id, enrollment_id=row.enrollment_id,
        starts_at=row.starts_at, status=row.status, sequence=row.sequence or 0,
        created_at=row.created_at, created_by=row.created_by, answered_at=row.answered_at,
        wish_at=row.wish_at, recorded_at=row.recorded_at, recorded_by=row.recorded_by,
    )


class BookingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(
        self, *, patient_id: int, enrollment_id: int, starts_at: datetime,
        created_by: int | None, now: datetime,
    ) -> BookingRecord:
        require_aware(starts_at, "starts_at")
        require_aware(now, "now")
        row = Booking(patient_id=patient_id, enrollment_id=enrollment_id, starts_at=starts_at,
                      status=BookingStatus.BOOKED, sequence=0, created_at=now,
                      created_by=created_by)
        self._session.add(row)
        await self._session.flush()
        return booking_record(row)

    async def _fresh(self, *criteria: object) -> list[Booking]:
        return list(await self._session.scalars(
            select(Booking).where(*criteria)  # type: ignore[arg-type]
            .order_by(Booking.starts_at, Booking.id)
            .execution_options(populate_existing=True)
        ))

    async def get(self, booking_id: int) -> BookingRecord | None:
        rows = await self._fresh(Booking.id == booking_id)
        return booking_record(rows[0]) if rows else None

    async def for_enrollment(self, enrollment_id: int) -> BookingRecord | None:
        rows = await self._fresh(Booking.enrollment_id == enrollment_id)
        return booking_record(rows[0]) if rows else None

    async def for_patient(self, patient_id: int) -> tuple[BookingRecord, ...]:
        """Every booking of the patient, soonest first."""
        return tuple(booking_record(r) for r in await self._fresh(Booking.patient_id == patient_id))

    async def open_for_patient(self, patient_id: int) -> tuple[BookingRecord, ...]:
        """The patient's bookings still ahead or not yet recorded, soonest first."""
        return tuple(booking_record(r) for r in await self._fresh(
            Booking.patient_id == patient_id, Booking.status.in_(sorted(BookingStatus.OPEN))))

    async def between(
        self, start: datetime, end: datetime, *,
        statuses: Collection[BookingStatus] = BookingStatus.OPEN, limit: int = 500,
    ) -> tuple[BookingRecord, ...]:
        """Bookings of `statuses` starting in [start, end), soonest first (ix_bookings_open)."""
        require_aware(start, "start")
        require_aware(end, "end")
        rows = await self._session.scalars(
            select(Booking)
            .where(Booking.status.in_(sorted(statuses)), Booking.starts_at >= start,
                   Booking.starts_at < end)
            .order_by(Booking.starts_at, Booking.id).limit(limit)
        )
        return tuple(booking_record(row) for row in rows)

    async def _change(
        self, booking_id: int, expected: Collection[BookingStatus], **values: object
    ) -> BookingRecord | None:
        """Apply `values` only while the status is one of `expected`; None if it was not."""
        result = await self._session.execute(
            update(Booking)
            .where(Booking.id == booking_id, Booking.status.in_(sorted(expected)))
            .values(sequence=Booking.sequence + 1, **values)
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return None
        return await self.get(booking_id)

    async def answer(
        self, booking_id: int, status: BookingStatus, now: datetime
    ) -> BookingRecord | None:
        """The patient confirmed (CONFIRMED) or asked to change it (CHANGE_REQUESTED); None
        when the booking is no longer open or already has this answer."""
        require_aware(now, "now")
        expected = BookingStatus.OPEN - {status}
        return await self._change(booking_id, expected, status=status, answered_at=now,
                                  wish_at=None)

    async def wish_received(self, booking_id: int, now: datetime) -> bool:
        """The patient's typed wish reached staff (once)."""
        require_aware(now, "now")
        result = await self._session.execute(
            update(Booking).where(Booking.id == booking_id,
                                  Booking.status == BookingStatus.CHANGE_REQUESTED,
                                  Booking.wish_at.is_(None))
            .values(wish_at=now).execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def awaiting_wish(self, patient_id: int, since: datetime) -> BookingRecord | None:
        """A booking the patient asked to change (since `since`) whose wish has not come."""
        rows = await self._fresh(Booking.patient_id == patient_id,
                                 Booking.status == BookingStatus.CHANGE_REQUESTED,
                                 Booking.wish_at.is_(None), Booking.answered_at >= since)
        return booking_record(rows[-1]) if rows else None

    async def moved(self, booking_id: int, starts_at: datetime) -> BookingRecord | None:
        """Staff moved the session: a new time, to be confirmed again."""
        require_aware(starts_at, "starts_at")
        return await self._change(booking_id, BookingStatus.OPEN, starts_at=starts_at,
                                  status=BookingStatus.BOOKED, answered_at=None, wish_at=None)

    async def record(
        self, booking_id: int, status: BookingStatus, *, by: int | None, now: datetime,
        starts_at: datetime | None = None,
    ) -> BookingRecord | None:
        """Done, no-show or cancelled (from an open booking only); None if it was not open.
        `starts_at`: when a done session actually took place, if not at the booked time."""
        require_aware(now, "now")
        values: dict[str, object] = {"status": status, "recorded_at": now, "recorded_by": by}
        if starts_at is not None:
            values["starts_at"] = require_aware(starts_at, "starts_at")
        return await self._change(booking_id, BookingStatus.OPEN, **values)

    async def restore_cancelled(self, enrollment_id: int, cancelled_at: datetime) -> bool:
        """Undo of a cancel: the enrollment's booking cancelled at `cancelled_at` is booked
        again (to be confirmed again; its calendar entry comes back with a higher
        SEQUENCE)."""
        require_aware(cancelled_at, "cancelled_at")
        result = await self._session.execute(
            update(Booking)
            .where(Booking.enrollment_id == enrollment_id,
                   Booking.status == BookingStatus.CANCELLED,
                   Booking.recorded_at == cancelled_at)
            .values(status=BookingStatus.BOOKED, recorded_at=None, recorded_by=None,
                    answered_at=None, wish_at=None, sequence=Booking.sequence + 1)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def cancel_open(
        self, *, now: datetime, by: int | None, patient_id: int,
        enrollment_ids: Collection[int] | None = None,
    ) -> int:
        """Cancel the patient's open bookings (all, or those of `enrollment_ids`); how many."""
        require_aware(now, "now")
        criteria = [Booking.patient_id == patient_id,
                    Booking.status.in_(sorted(BookingStatus.OPEN))]
        if enrollment_ids is not None:
            criteria.append(Booking.enrollment_id.in_(sorted(enrollment_ids)))
        result = await self._session.execute(
            update(Booking).where(*criteria)
            .values(status=BookingStatus.CANCELLED, recorded_at=now, recorded_by=by,
                    sequence=Booking.sequence + 1)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
