"""Read queries the staff console needs for courses of treatment: booked sessions on a day
and those never recorded (ix_bookings_open), who has not joined yet, each bounded by a
LIMIT and returning core.records values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import BookingRecord
from core.statuses import BookingStatus, EnrollmentStatus, PatientStatus
from storage.models import Booking, Enrollment, Invite, Patient
from storage.repositories.bookings import booking_record


def utc(value: Any) -> datetime:
    """A selected datetime as aware UTC (SQLite hands back naive values or strings)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True, kw_only=True)
class BookedSession:
    """A booking with what Today shows of it: whose, which procedure and session."""

    booking: BookingRecord
    label: str | None
    protocol_id: str
    session_number: int


async def _sessions(session: AsyncSession, *criteria: object, limit: int
                    ) -> tuple[BookedSession, ...]:
    rows = await session.execute(
        select(Booking, Patient.label, Enrollment.protocol_id, Enrollment.session_number)
        .join(Enrollment, Enrollment.id == Booking.enrollment_id)
        .join(Patient, Patient.id == Booking.patient_id)
        .where(*criteria)  # type: ignore[arg-type]
        .order_by(Booking.starts_at, Booking.id)
        .limit(limit)
    )
    return tuple(
        BookedSession(booking=booking_record(booking), label=label, protocol_id=protocol_id,
                      session_number=number)
        for booking, label, protocol_id, number in rows
    )


async def sessions_between(
    session: AsyncSession, start: datetime, end: datetime, *, limit: int = 200
) -> tuple[BookedSession, ...]:
    """Sessions booked in [start, end), open or recorded (done, missed), soonest first;
    cancelled ones are left out."""
    require_aware(start, "start")
    require_aware(end, "end")
    shown = sorted(BookingStatus.OPEN | {BookingStatus.DONE, BookingStatus.NO_SHOW})
    return await _sessions(session, Booking.status.in_(shown), Booking.starts_at >= start,
                           Booking.starts_at < end, limit=limit)


async def unrecorded_before(
    session: AsyncSession, before: datetime, *, limit: int = 100
) -> tuple[BookedSession, ...]:
    """Booked sessions whose time is before `before` and that nobody recorded as done or
    missed, oldest first."""
    require_aware(before, "before")
    return await _sessions(session, Booking.status.in_(sorted(BookingStatus.OPEN)),
                           Booking.starts_at < before, limit=limit)


@dataclass(frozen=True, kw_only=True)
class WaitingInvite:
    """A patient invited before the nudge cut-off who has not joined."""

    patient_id: int
    label: str | None
    invited_at: datetime
    opened_at: datetime | None  # the link was opened, but the patient did not say yes
    expires_at: datetime


async def not_joined(
    session: AsyncSession, invited_before: datetime, *, limit: int = 100
) -> tuple[WaitingInvite, ...]:
    """Invited patients whose newest invite (unused) was made before `invited_before`,
    oldest first."""
    require_aware(invited_before, "invited_before")
    newest = (
        select(Enrollment.patient_id.label("patient_id"),
               func.max(Invite.id).label("invite_id"))
        .join(Invite, Invite.enrollment_id == Enrollment.id)
        .where(Enrollment.status == EnrollmentStatus.INVITED)
        .group_by(Enrollment.patient_id)
        .subquery()
    )
    rows = await session.execute(
        select(Patient.id, Patient.label, Invite.created_at, Invite.opened_at,
               Invite.expires_at)
        .join(newest, newest.c.patient_id == Patient.id)
        .join(Invite, Invite.id == newest.c.invite_id)
        .where(Patient.status == PatientStatus.INVITED, Invite.used_at.is_(None),
               Invite.created_at < invited_before)
        .order_by(Invite.created_at, Patient.id)
        .limit(limit)
    )
    return tuple(
        WaitingInvite(patient_id=int(pid), label=label, invited_at=utc(made),
                      opened_at=None if opened is None else utc(opened),
                      expires_at=utc(expires))
        for pid, label, made, opened, expires in rows
    )
