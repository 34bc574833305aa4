"""Turns an enrollment into the safe-HTML message plan the outbox stores."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from core.course import CourseTexts, course_messages
from core.local_time import zone_or
from core.plans import PlannedMessage, plan_enrollment
from core.quiet_hours import QuietHours, awake_until
from core.statuses import EnrollmentStatus

if TYPE_CHECKING:
    from core.content import Content
    from services.config import ServiceSettings


class PlanningContext(Protocol):
    """The slice of the application context planning needs (AppContext satisfies it)."""

    @property
    def settings(self) -> ServiceSettings: ...

    @property
    def content(self) -> Content: ...


class UnknownProtocol(LookupError):
    """The enrollment names a protocol the loaded content no longer has."""


def placeholders(settings: ServiceSettings, language: str) -> dict[str, str]:
    """The values content texts may use, in `language`; raw here, escaped with the whole
    text later."""
    return settings.clinic.placeholders(language)


def quiet_hours(settings: ServiceSettings) -> QuietHours | None:
    window = settings.delivery.quiet_window
    return None if window is None else QuietHours(start=window[0], end=window[1])


def patient_zone(timezone: str, settings: ServiceSettings) -> ZoneInfo:
    """The patient's zone; a stored name that no longer resolves falls back to the clinic's."""
    return zone_or(timezone, settings.clinic.zone)


def plan_for_enrollment(
    ctx: PlanningContext, patient: Any, enrollment: Any, now: datetime
) -> list[PlannedMessage]:
    """The full plan for `enrollment` in the patient's language and zone, texts HTML-escaped.

    `patient` needs `.language` and `.timezone`; `enrollment` needs `.protocol_id` and
    `.session_start` (and may have `.session_number` and `.status`). Placeholders {clinic}
    and {contact} are filled before escaping, so a clinic name like "A & B" arrives as
    typed. Check-in option labels stay plain (they become button texts). A session booked
    ahead (status booked) gets its pre-care and the confirmation request; a session done,
    its protocol's steps for that session and what its course adds (core/course.py).
    Raises UnknownProtocol.
    """
    settings = ctx.settings
    protocol = ctx.content.protocols.get(enrollment.protocol_id)
    if protocol is None:
        raise UnknownProtocol(enrollment.protocol_id)
    language = patient.language or settings.clinic.default_language
    zone = patient_zone(patient.timezone, settings)
    awake = awake_until(getattr(patient, "last_activity_at", None))
    number = getattr(enrollment, "session_number", 1) or 1
    booked = getattr(enrollment, "status", None) == EnrollmentStatus.BOOKED
    planned = plan_enrollment(
        protocol=protocol,
        session_start=enrollment.session_start,
        zone=zone,
        quiet=quiet_hours(settings),
        now=now,
        language=language,
        default_language=settings.clinic.default_language,
        placeholders=placeholders(settings, language),
        awake_until=awake,
        session_number=number,
        precare_only=booked,
    )
    # The course's own messages are the bot's texts, already safe HTML.
    extra = course_messages(
        protocol=protocol, session_start=enrollment.session_start, session_number=number,
        booked=booked, confirm_before=timedelta(hours=settings.course.confirm_hours),
        zone=zone, quiet=quiet_hours(settings), now=now, language=language,
        texts=course_texts(ctx, protocol.id, language, zone), awake_until=awake,
    )
    return sorted([*(_escaped(message) for message in planned), *extra],
                  key=lambda message: message.due_at)


def course_texts(
    ctx: PlanningContext, protocol_id: str, language: str, zone: ZoneInfo
) -> CourseTexts:
    """What a course's texts name: the clinic, the procedure (in `language`), the zone."""
    settings = ctx.settings
    protocol = ctx.content.protocols.get(protocol_id)
    procedure = protocol.name.get(language, settings.clinic.default_language) if protocol \
        else protocol_id
    return CourseTexts(clinic=settings.clinic.name, procedure=procedure, zone_name=zone.key)


def _escaped(message: PlannedMessage) -> PlannedMessage:
    # Outbox rows hold safe HTML: the sender sends them with parse_mode HTML as they are.
    # Option labels stay plain: Telegram shows button text literally (never parsed as
    # HTML), so "&amp;" would appear on the button; whoever puts a label into a message
    # text escapes it there.
    return replace(message, text=html.escape(message.text, quote=False))
