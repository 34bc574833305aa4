"""The console's view of a patient's course of treatment (their page): booked sessions and
whether they confirmed, the course, outcome answers, photo check-ins side by side by
session, and consent on record; and the desk's actions on it (a booked session recorded as
done or missed, a new invite link for someone who has not joined, a photo fetched from
Telegram for a signed-in staff member, audited)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import date, datetime

from core.records import (
    BookingRecord,
    ConsentRecord,
    CourseRecord,
    OutcomeRecord,
    PhotoCheckinRecord,
)
from core.statuses import AuditOutcome
from services.calendar import clinic_day
from services.context import AppContext, FileUnavailable
from services.enrollment import NewInvite, reissue_invite
from storage.patient_data import patient_target
from storage.repositories import Store


@dataclass(frozen=True, kw_only=True)
class BookingLine:
    booking: BookingRecord
    protocol_id: str
    session_number: int


@dataclass(frozen=True, kw_only=True)
class PhotoSession:
    """The photo check-ins of one session, for the side-by-side timeline."""

    session_number: int
    photos: tuple[PhotoCheckinRecord, ...]


@dataclass(frozen=True, kw_only=True)
class CourseView:
    bookings: tuple[BookingLine, ...]
    courses: tuple[CourseRecord, ...]
    outcomes: tuple[OutcomeRecord, ...]
    photos: tuple[PhotoSession, ...]
    consents: tuple[ConsentRecord, ...]
    sessions_planned: dict[str, int]  # protocol id -> the course's number of sessions

    @property
    def photo_count(self) -> int:
        return sum(len(group.photos) for group in self.photos)


async def course_view(ctx: AppContext, patient_id: int) -> CourseView:
    """Everything about the patient's course(s) for their page."""
    async with Store(ctx.sessions) as store:
        bookings = []
        for booking in await store.bookings.for_patient(patient_id):
            enrollment = await store.enrollments.get(booking.enrollment_id)
            if enrollment is not None:
                bookings.append(BookingLine(booking=booking, protocol_id=enrollment.protocol_id,
                                            session_number=enrollment.session_number))
        courses = await store.courses.for_patient(patient_id)
        outcomes = await store.courses.outcomes_for_patient(patient_id)
        photos = await store.photos.for_patient(patient_id)
        consents = await store.consents.for_patient(patient_id)
    by_session: dict[int, list[PhotoCheckinRecord]] = {}
    for photo in photos:
        by_session.setdefault(photo.session_number, []).append(photo)
    planned = {p.id: p.course.sessions for p in ctx.content.protocols.values()
               if p.course is not None}
    return CourseView(
        bookings=tuple(sorted(bookings, key=lambda b: b.booking.starts_at, reverse=True)),
        courses=courses, outcomes=outcomes,
        photos=tuple(PhotoSession(session_number=n, photos=tuple(items))
                     for n, items in sorted(by_session.items())),
        consents=consents, sessions_planned=planned,
    )


async def photo_stream(
    ctx: AppContext, patient_id: int, checkin_id: int, *, staff_id: int
) -> AsyncGenerator[bytes, None] | None:
    """A patient's check-in photo from Telegram, for a signed-in staff member (the access is
    audited, ids only): its bytes as they arrive, or None when there is no such photo of
    that patient. Raises FileUnavailable when Telegram will not give it (or no bot runs in
    this process): before the first chunk, so a page can still say so."""
    now = ctx.clock.now()
    async with Store(ctx.sessions) as store:
        photo = await store.photos.get(checkin_id)
        found = photo is not None and photo.patient_id == patient_id
        await store.audit.record(
            actor_id=staff_id, action="patient.photo",
            outcome=AuditOutcome.OK if found else AuditOutcome.INVALID,
            target=patient_target(patient_id), detail=f"photo:{checkin_id}", now=now,
        )
    if photo is None or not found:
        return None
    if ctx.files is None:
        raise FileUnavailable("no bot in this process")
    stream = ctx.files.stream(photo.file_id)
    try:
        first = await anext(stream, b"")
    except BaseException:
        await stream.aclose()
        raise

    async def chunks() -> AsyncGenerator[bytes, None]:
        try:
            if first:
                yield first
            async for chunk in stream:
                yield chunk
        finally:
            await stream.aclose()

    return chunks()


async def invite_again(ctx: AppContext, patient_id: int, *, staff_id: int, now: datetime
                       ) -> NewInvite | None:
    """A new invite link (and QR code) for a patient who has not joined: the earlier link
    stops working (services/enrollment.py, audited there)."""
    return await reissue_invite(ctx, patient_id, staff_id=staff_id, now=now)


async def day_calendar(ctx: AppContext, day: date, *, staff_id: int, now: datetime) -> bytes:
    """The clinic's booked sessions of `day` as an .ics file (audited: it names patients)."""
    async with Store(ctx.sessions) as store:
        await store.audit.record(actor_id=staff_id, action="console.calendar",
                                 outcome=AuditOutcome.OK, detail=f"day:{day.isoformat()}",
                                 now=now)
    return await clinic_day(ctx, day, now=now)
