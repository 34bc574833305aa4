"""Booked sessions as an iCalendar file (RFC 5545): what /calendar sends a patient and what
the console offers as the clinic's day.

Each event keeps its UID for good and carries the booking's SEQUENCE, which goes up on
every change (moved, confirmed, cancelled): a calendar that imported an earlier file
updates the same entry rather than adding a second. Times are written in the clinic's
zone (TZID) with that zone's VTIMEZONE in the file, built by the icalendar library from
the IANA data, so a phone in another zone shows the right local time. Pure: `now` (the
DTSTAMP) is passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from core.clock import require_aware

PRODID = "-//Aftercare bot//Booked sessions//EN"
# The article: a session takes around 30 to 40 minutes; the entry blocks 45.
SESSION_LENGTH = timedelta(minutes=45)
EventStatus = Literal["CONFIRMED", "TENTATIVE", "CANCELLED"]


@dataclass(frozen=True, kw_only=True)
class CalendarEvent:
    """One booked session as a calendar entry."""

    uid: str
    sequence: int
    start: datetime
    summary: str
    status: EventStatus
    duration: timedelta = SESSION_LENGTH
    location: str | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        require_aware(self.start, "CalendarEvent.start")


def booking_uid(booking_id: int, domain: str) -> str:
    """The stable UID of a booking's entry: the same for every file the booking is in."""
    return f"aftercare-booking-{booking_id}@{domain or 'aftercare-bot'}"


def calendar_file(
    events: Sequence[CalendarEvent], *, zone: ZoneInfo, now: datetime, name: str
) -> bytes:
    """The events as an .ics file's bytes (METHOD:PUBLISH), start times in `zone` with its
    VTIMEZONE included."""
    stamp = require_aware(now, "now").astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone.key)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("sequence", item.sequence)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.start.astimezone(zone))
        event.add("duration", item.duration)
        event.add("summary", item.summary)
        event.add("status", item.status)
        if item.location:
            event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        calendar.add_component(event)
    if events:
        starts = [item.start.astimezone(zone) for item in events]
        calendar.add_missing_timezones(
            first_date=min(starts).date() - timedelta(days=366),
            last_date=max(starts).date() + timedelta(days=366),
        )
    return bytes(calendar.to_ical())
