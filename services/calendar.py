"""Booked sessions as calendar files: a patient's own (/calendar) and the clinic's day (the
console), built by core/calendar.py.

Decisions:
- A patient's file holds every booking of theirs still ahead, and those that changed lately
  (moved, cancelled, missed: CHANGED_WINDOW) so that a calendar which imported an earlier
  file updates or cancels the same entries (same UID, higher SEQUENCE).
- Times are written in the clinic's zone (the session happens at the clinic), with its
  VTIMEZONE; a phone elsewhere shows its own local time.
- A patient's entries name the procedure and the clinic (in their language), never a label;
  the clinic's day names each patient's number and label (staff only, signed in).
"""

from __future__ import annotations

import html
from datetime import date, datetime, time, timedelta

from core.calendar import CalendarEvent, EventStatus, booking_uid, calendar_file
from core.local_time import resolve_local
from core.records import BookingRecord, PatientRecord
from core.statuses import BookingStatus
from core.texts.patient import t, ui_language
from services.context import AppContext
from storage.repositories import Store

CHANGED_WINDOW = timedelta(days=30)
STATUS: dict[BookingStatus, EventStatus] = {
    BookingStatus.BOOKED: "TENTATIVE",
    BookingStatus.CHANGE_REQUESTED: "TENTATIVE",
    BookingStatus.CONFIRMED: "CONFIRMED",
    BookingStatus.DONE: "CONFIRMED",
    BookingStatus.NO_SHOW: "CANCELLED",
    BookingStatus.CANCELLED: "CANCELLED",
}


def _domain(ctx: AppContext) -> str:
    return f"{ctx.bot_username or 'aftercare-bot'}.t.me"


def _shown(booking: BookingRecord, now: datetime) -> bool:
    """Ahead (any status), or changed lately: a calendar still holding it must hear."""
    if booking.starts_at >= now - timedelta(days=1):
        return True
    changed = booking.recorded_at or booking.created_at
    return booking.status != BookingStatus.DONE and changed >= now - CHANGED_WINDOW


async def patient_calendar(ctx: AppContext, patient: PatientRecord, *,
                           now: datetime) -> bytes | None:
    """The patient's booked sessions as an .ics file; None when nothing is booked ahead."""
    language = ui_language(patient.language)
    clinic = ctx.settings.clinic
    events = []
    async with Store(ctx.sessions) as store:
        bookings = [b for b in await store.bookings.for_patient(patient.id) if _shown(b, now)]
        for booking in bookings:
            enrollment = await store.enrollments.get(booking.enrollment_id)
            if enrollment is None:
                continue
            protocol = ctx.content.protocols.get(enrollment.protocol_id)
            procedure = protocol.name.get(language, clinic.default_language) if protocol \
                else enrollment.protocol_id
            summary = t("calendar_event", language, procedure=procedure,
                        number=enrollment.session_number, clinic=clinic.name)
            events.append(CalendarEvent(
                uid=booking_uid(booking.id, _domain(ctx)), sequence=booking.sequence,
                start=booking.starts_at, summary=_plain(summary), status=STATUS[booking.status],
                location=clinic.name, description=clinic.contact_for(language),
            ))
    if not any(b.status in BookingStatus.OPEN and b.starts_at >= now for b in bookings):
        return None
    return calendar_file(events, zone=clinic.zone, now=now, name=clinic.name)


async def clinic_day(ctx: AppContext, day: date, *, now: datetime) -> bytes:
    """Every session booked for `day` (clinic zone) as an .ics file for the desk: patient
    number and label, procedure, session number, confirmed or not."""
    zone = ctx.zone
    start = resolve_local(datetime.combine(day, time(0, 0)), zone)
    end = resolve_local(datetime.combine(day + timedelta(days=1), time(0, 0)), zone)
    events = []
    async with Store(ctx.sessions) as store:
        bookings = await store.bookings.between(start, end, statuses=set(BookingStatus))
        for booking in bookings:
            enrollment = await store.enrollments.get(booking.enrollment_id)
            patient = await store.patients.get(booking.patient_id)
            if enrollment is None or patient is None:
                continue
            protocol = ctx.content.protocols.get(enrollment.protocol_id)
            procedure = protocol.name.get("en", ctx.settings.clinic.default_language) \
                if protocol else enrollment.protocol_id
            label = f" {patient.label}" if patient.label else ""
            events.append(CalendarEvent(
                uid=booking_uid(booking.id, _domain(ctx)), sequence=booking.sequence,
                start=booking.starts_at,
                summary=f"#{patient.id}{label}: {procedure}, session {enrollment.session_number}"
                        f" ({booking.status.replace('_', ' ')})",
                status=STATUS[booking.status], location=ctx.settings.clinic.name,
            ))
    return calendar_file(events, zone=zone, now=now,
                         name=f"{ctx.settings.clinic.name} {day.isoformat()}")


def _plain(text: str) -> str:
    """A `t()` text (escaped for HTML) as plain text for a calendar."""
    return html.unescape(text)
