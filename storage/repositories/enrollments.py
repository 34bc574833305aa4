"""Enrollment repository: a patient on a protocol for one treatment session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Update, and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import EnrollmentRecord
from core.statuses import BookingStatus, EnrollmentStatus, parse
from storage.models import Booking, Enrollment, Invite, ScheduledMessage
from storage.repositories.invites import expire_unused
from storage.repositories.messages import cancel_pending_in


def stop_live(whose: ColumnElement[bool]) -> Update:
    """The UPDATE that stops the matching enrollments still invited or active (/stop,
    erasure); cancelled and stopped ones stay as they are. Its rowcount is how many."""
    return (
        update(Enrollment)
        .where(whose, Enrollment.status.in_(sorted(EnrollmentStatus.LIVE)))
        .values(status=EnrollmentStatus.STOPPED)
    )


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
        session_number=row.session_number,
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
        status: EnrollmentStatus = EnrollmentStatus.INVITED,
        session_number: int = 1,
    ) -> EnrollmentRecord:
        require_aware(session_start, "session_start")
        require_aware(now, "now")
        row = Enrollment(
            patient_id=patient_id,
            protocol_id=protocol_id,
            session_start=session_start,
            status=status,
            created_by=created_by,
            created_at=now,
            session_number=session_number,
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
        """Set invited/active/stopped; use `cancel` for "cancelled" (it also stops delivery).

        `status` is an EnrollmentStatus or its text; anything else raises ValueError.
        """
        wanted = parse(EnrollmentStatus, status, "enrollment status")
        if wanted is EnrollmentStatus.CANCELLED:
            raise ValueError(f"unknown enrollment status {str(status)!r}")
        row = await self._row(enrollment_id)
        row.status = wanted
        await self._session.flush()
        return enrollment_record(row)

    async def stop_for_patient(self, patient_id: int) -> int:
        """Stop every live enrollment of the patient; returns how many."""
        result = await self._session.execute(stop_live(Enrollment.patient_id == patient_id))
        return int(result.rowcount)  # type: ignore[attr-defined]

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

    async def next_session_number(self, patient_id: int, protocol_id: str) -> int:
        """The number a new session of the protocol gets: one after the highest of the
        patient's sessions done (active, superseded, or cancelled by staff after it took
        place) or booked. A booked session that was missed or cancelled took no number."""
        never_held = exists().where(
            Booking.enrollment_id == Enrollment.id,
            Booking.status.in_(sorted({BookingStatus.NO_SHOW, BookingStatus.CANCELLED})))
        counted = or_(
            Enrollment.status.in_(sorted({EnrollmentStatus.ACTIVE, EnrollmentStatus.BOOKED,
                                          EnrollmentStatus.SUPERSEDED})),
            and_(Enrollment.status == EnrollmentStatus.CANCELLED, ~never_held),
        )
        highest = await self._session.scalar(
            select(func.max(Enrollment.session_number)).where(
                Enrollment.patient_id == patient_id, Enrollment.protocol_id == protocol_id,
                counted)
        )
        return int(highest or 0) + 1

    async def cancel(self, enrollment_id: int, now: datetime) -> int:
        """Cancel the enrollment, its pending messages and unused invite; returns messages cut.

        Done here, in the caller's transaction, so a cancelled enrollment can never keep a
        pending message or a usable invite.
        """
        require_aware(now, "now")
        row = await self._row(enrollment_id)
        row.status = EnrollmentStatus.CANCELLED
        row.cancelled_at = now
        cancelled = await cancel_pending_in(
            self._session, ScheduledMessage.enrollment_id == enrollment_id, now, "enrollment"
        )
        await self._session.execute(expire_unused(Invite.enrollment_id == enrollment_id, now))
        await self._session.flush()
        return cancelled

    async def restore(self, enrollment_id: int, status: EnrollmentStatus,
                      cancelled_at: datetime) -> EnrollmentRecord | None:
        """Undo a cancel: back to `status` (invited or active), if it is still the enrollment
        that cancel cut at `cancelled_at`; None when something changed it since."""
        require_aware(cancelled_at, "cancelled_at")
        if status not in EnrollmentStatus.LIVE:
            raise ValueError(f"an enrollment is restored to invited or active, not {status}")
        row = await self._session.get(Enrollment, enrollment_id, populate_existing=True)
        if row is None or row.status != EnrollmentStatus.CANCELLED or (
                row.cancelled_at != cancelled_at):
            return None
        row.status, row.cancelled_at = status, None
        await self._session.flush()
        return enrollment_record(row)

    async def supersede_earlier(self, enrollment_id: int, now: datetime) -> tuple[int, int]:
        """The enrollment is the patient's newest session of its protocol: every other live
        enrollment of the same protocol is superseded (its pending messages cancelled, its
        unused invite expired) and this one continues their session count. Sessions booked
        ahead stay: they are still to come.

        One plan at a time per protocol. Returns (enrollments superseded, messages cut).
        """
        require_aware(now, "now")
        row = await self._row(enrollment_id)
        earlier = list(await self._session.scalars(
            select(Enrollment).where(
                Enrollment.patient_id == row.patient_id,
                Enrollment.protocol_id == row.protocol_id,
                Enrollment.id != row.id,
                Enrollment.status.in_(sorted(EnrollmentStatus.LIVE - {EnrollmentStatus.BOOKED})),
            )
        ))
        # The count carries on across every earlier session of the protocol, a cancelled or
        # stopped one too (a session after a cancel is the next one, not the first again).
        last = await self._session.scalar(
            select(func.max(Enrollment.session_number)).where(
                Enrollment.patient_id == row.patient_id,
                Enrollment.protocol_id == row.protocol_id, Enrollment.id < row.id))
        row.session_number = max(row.session_number, (last or 0) + 1)
        cut = 0
        for old in earlier:
            old.status = EnrollmentStatus.SUPERSEDED
            old.cancelled_at = now
            cut += await cancel_pending_in(
                self._session, ScheduledMessage.enrollment_id == old.id, now,
                f"superseded by session {row.session_number} (enrollment {row.id})",
            )
            await self._session.execute(expire_unused(Invite.enrollment_id == old.id, now))
        await self._session.flush()
        return len(earlier), cut
