"""Turns an enrollment into the safe-HTML message plan the outbox stores."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from core.local_time import zone_or
from core.plans import PlannedMessage, plan_enrollment
from core.quiet_hours import QuietHours, awake_until

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
    `.session_start`. Placeholders {clinic} and {contact} are filled before escaping, so a
    clinic name like "A & B" arrives as typed. Check-in option labels stay plain (they
    become button texts). Raises UnknownProtocol.
    """
    settings = ctx.settings
    protocol = ctx.content.protocols.get(enrollment.protocol_id)
    if protocol is None:
        raise UnknownProtocol(enrollment.protocol_id)
    language = patient.language or settings.clinic.default_language
    planned = plan_enrollment(
        protocol=protocol,
        session_start=enrollment.session_start,
        zone=patient_zone(patient.timezone, settings),
        quiet=quiet_hours(settings),
        now=now,
        language=language,
        default_language=settings.clinic.default_language,
        placeholders=placeholders(settings, language),
        awake_until=awake_until(getattr(patient, "last_activity_at", None)),
    )
    return [_escaped(message) for message in planned]


def _escaped(message: PlannedMessage) -> PlannedMessage:
    # Outbox rows hold safe HTML: the sender sends them with parse_mode HTML as they are.
    # Option labels stay plain: Telegram shows button text literally (never parsed as
    # HTML), so "&amp;" would appear on the button; whoever puts a label into a message
    # text escapes it there.
    return replace(message, text=html.escape(message.text, quote=False))
