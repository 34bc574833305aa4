"""Patient self-service: language, time zone (with city lookup), /stop and /forget."""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import available_timezones

from rapidfuzz import fuzz, process

from core.local_time import zone_named
from core.records import PatientRecord
from core.statuses import (
    AuditOutcome,
    EnrollmentStatus,
    EscalationKind,
    MessageStatus,
    PatientStatus,
)
from core.texts.alerts import UNREACHABLE_NOTE
from services.context import AppContext
from services.planning import UnknownProtocol, plan_for_enrollment
from services.staff_alerts import AlertRequest
from storage.patient_data import forget_patient_data, patient_target
from storage.repositories import Repositories, Store

# --- time-zone lookup -------------------------------------------------------------------

# Zone names under these areas end in a city; the rest (Etc/, US/, legacy) are not cities.
_CITY_AREAS = (
    "Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/",
    "Indian/", "Pacific/",
)
# Cities patients name that are no zone's last component, Hindi spellings, and the
# abbreviations people actually type. Lower-case keys.
CITY_ALIASES: Mapping[str, str] = {
    **dict.fromkeys(
        (
            "mumbai", "bombay", "delhi", "new delhi", "bengaluru", "bangalore", "chennai",
            "madras", "hyderabad", "pune", "ahmedabad", "jaipur", "lucknow", "kochi", "goa",
            "chandigarh", "india", "ist", "मुंबई", "मुम्बई", "दिल्ली", "नई दिल्ली", "कोलकाता",
            "बेंगलुरु", "चेन्नई", "हैदराबाद", "पुणे", "जयपुर", "लखनऊ", "भारत",
        ),
        "Asia/Kolkata",
    ),
    **dict.fromkeys(
        ("washington", "boston", "miami", "atlanta", "philadelphia"), "America/New_York"
    ),
    **dict.fromkeys(
        ("san francisco", "seattle", "las vegas", "san diego"), "America/Los_Angeles"
    ),
    **dict.fromkeys(("munich", "frankfurt", "hamburg", "cologne"), "Europe/Berlin"),
    "beijing": "Asia/Shanghai",
    "abu dhabi": "Asia/Dubai",
    "utc": "UTC",
    "gmt": "UTC",
}

# Whole-string similarity (rapidfuzz `ratio`) needed to take a city without asking:
# "Berln" -> Berlin scores 91, "Lndon" -> London 91; unrelated words stay below 80.
RESOLVE_SCORE = 85.0
# A runner-up (another zone) this close to the best: ask with buttons instead of guessing.
AMBIGUOUS_MARGIN = 5.0
# WRatio tolerates partial names ("York", "Santa"): good for offering buttons, too loose
# to decide on its own.
SUGGEST_SCORE = 85.0
MAX_CHOICES = 5
# Shorter fragments ("st", "a") partially match hundreds of cities.
MIN_FUZZY_CHARS = 3
# No city name is longer; longer input is not a city and only costs matching time.
MAX_QUERY_CHARS = 64
_SPACES = re.compile(r"[\s_]+")


@dataclass(frozen=True, kw_only=True)
class ZoneLookup:
    """`zone` when the text names one zone; else `choices` to ask about (maybe none)."""

    zone: str | None = None
    choices: tuple[str, ...] = ()


def _normalise(text: str) -> str:
    # Control characters (a NUL, say) can never be part of a place name.
    head = text[: MAX_QUERY_CHARS * 4]
    cleaned = "".join(ch for ch in head if unicodedata.category(ch)[0] != "C")
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", cleaned)).strip().lower()


@functools.cache
def _zone_names() -> Mapping[str, str]:
    """Lower-case zone name -> its proper spelling, for every zone this system knows."""
    return {name.lower(): name for name in available_timezones()}


@functools.cache
def _cities() -> Mapping[str, str]:
    """City (lower-case, spaces) -> zone; the most specific name wins for duplicates.

    "America/Argentina/Buenos_Aires" and "America/Buenos_Aires" are one place; the
    deeper name is the canonical one in the IANA database.
    """
    known = set(_zone_names().values())
    best: dict[str, str] = {}
    for name in sorted(known, key=lambda zone: (-zone.count("/"), zone)):
        if name.startswith(_CITY_AREAS):
            best.setdefault(name.rsplit("/", 1)[1].replace("_", " ").lower(), name)
    for city, zone in CITY_ALIASES.items():
        if zone in known:
            best.setdefault(city, zone)
    return best


def lookup_zone(text: str) -> ZoneLookup:
    """Resolve what a patient typed: an IANA name (any case), a city, or a near miss."""
    query = _normalise(text)[:MAX_QUERY_CHARS]
    if not query:
        return ZoneLookup()
    exact = _zone_names().get(query.replace(" ", "_"))
    if exact is not None:
        return ZoneLookup(zone=exact)
    cities = _cities()
    # In "Europe/Berln" only the city part can be misspelt.
    city = query.rsplit("/", 1)[-1].strip()
    if city in cities:
        return ZoneLookup(zone=cities[city])
    if len(city) < MIN_FUZZY_CHARS:
        return ZoneLookup()
    names = list(cities)
    close = process.extract(city, names, scorer=fuzz.ratio, limit=MAX_CHOICES)
    ranked = [(cities[name], score) for name, score, _ in close]
    if ranked and ranked[0][1] >= RESOLVE_SCORE:
        best_zone, best_score = ranked[0]
        rivals = [score for zone, score in ranked[1:] if zone != best_zone]
        if not rivals or best_score - rivals[0] > AMBIGUOUS_MARGIN:
            return ZoneLookup(zone=best_zone)
    partial = process.extract(
        city, names, scorer=fuzz.WRatio, limit=MAX_CHOICES * 2, score_cutoff=SUGGEST_SCORE
    )
    choices: list[str] = []
    for zone, score in [*ranked, *((cities[name], score) for name, score, _ in partial)]:
        if score >= SUGGEST_SCORE and zone not in choices:
            choices.append(zone)
    return ZoneLookup(choices=tuple(choices[:MAX_CHOICES]))


# --- self-service -----------------------------------------------------------------------
#
# Decisions: /stop is final for the current plans (pending messages are cancelled, the
# patient's enrollments stopped); to start again the patient asks the clinic for a new
# invite, which re-activates them (see services.onboarding). After /forget the chat is unbound
# and the bot treats the person as a stranger.


@dataclass(frozen=True, kw_only=True)
class PlanItem:
    """One upcoming message as /plan lists it."""

    due_at: datetime
    protocol_id: str | None
    summary: str  # plain text: the message's first line


@dataclass(frozen=True, kw_only=True)
class PlanView:
    """What /plan shows: upcoming messages, how many were already sent, and the zone."""

    items: tuple[PlanItem, ...]
    sent: int
    more: int
    zone: str


PLAN_ITEMS = 20
SUMMARY_CHARS = 80


_TAG = re.compile(r"<[^<>]*>")


def _summary(text: str) -> str:
    # Outbox texts are safe HTML: content escaped, the bot's own texts with <b> tags.
    first = html.unescape(_TAG.sub("", text)).strip().split("\n", 1)[0].strip()
    return first if len(first) <= SUMMARY_CHARS else first[: SUMMARY_CHARS - 1] + "…"


async def plan_view(ctx: AppContext, patient: PatientRecord, now: datetime) -> PlanView:
    """Upcoming messages (soonest first) and the count already sent, for /plan."""
    async with Store(ctx.sessions) as store:
        upcoming = await store.messages.upcoming_for_patient(patient.id, now, limit=200)
        enrollments = {e.id: e for e in await store.enrollments.list_for_patient(patient.id)}
        sent = 0
        for enrollment_id in enrollments:
            sent += sum(
                1 for m in await store.messages.list_for_enrollment(enrollment_id)
                if m.status == MessageStatus.SENT
            )
    items = tuple(
        PlanItem(
            due_at=message.due_at,
            protocol_id=(
                enrollments[message.enrollment_id].protocol_id
                if message.enrollment_id in enrollments else None
            ),
            summary=_summary(message.text),
        )
        for message in upcoming[:PLAN_ITEMS]
    )
    return PlanView(items=items, sent=sent, more=max(len(upcoming) - PLAN_ITEMS, 0),
                    zone=patient.timezone)


async def _replan(ctx: AppContext, store: Repositories, patient: PatientRecord,
                  now: datetime) -> int:
    """Re-plan the pending messages of every active enrollment (new language or zone)."""
    changed = 0
    for enrollment in await store.enrollments.list_for_patient(patient.id):
        if enrollment.status not in (EnrollmentStatus.ACTIVE, EnrollmentStatus.BOOKED):
            continue
        try:
            planned = plan_for_enrollment(ctx, patient, enrollment, now)
        except UnknownProtocol:
            continue  # content no longer has it: leave its messages as they are
        result = await store.messages.replace_pending(enrollment.id, planned, now)
        changed += result.updated + result.inserted
    return changed


async def set_language(
    ctx: AppContext, patient: PatientRecord, language: str, now: datetime
) -> PatientRecord | None:
    """Switch language and re-plan future messages in it; None if the clinic lacks it."""
    if language not in ctx.settings.clinic.languages:
        return None
    async with Store(ctx.sessions) as store:
        updated = await store.patients.set_language(patient.id, language)
        await _replan(ctx, store, updated, now)
        await store.audit.record(actor_id=patient.chat_id, action="patient.language",
                                 outcome=AuditOutcome.OK, target=patient_target(patient.id),
                                 detail=language, now=now)
    ctx.wake_delivery()
    return updated


async def set_timezone(
    ctx: AppContext, patient: PatientRecord, zone: str, now: datetime
) -> PatientRecord | None:
    """Move the patient to `zone` (an IANA name) and re-plan; None if the name is unknown."""
    if zone_named(zone) is None:
        return None
    async with Store(ctx.sessions) as store:
        updated = await store.patients.set_timezone(patient.id, zone)
        await _replan(ctx, store, updated, now)
        await store.audit.record(actor_id=patient.chat_id, action="patient.timezone",
                                 outcome=AuditOutcome.OK, target=patient_target(patient.id),
                                 detail=zone, now=now)
    ctx.wake_delivery()
    return updated


async def stop(ctx: AppContext, patient: PatientRecord, now: datetime) -> int:
    """Opt out: pending messages cancelled, enrollments and patient stopped; returns count."""
    async with Store(ctx.sessions) as store:
        cancelled = await store.messages.cancel_pending_for_patient(patient.id, now, "stop")
        await store.enrollments.stop_for_patient(patient.id)
        await store.bookings.cancel_open(now=now, by=None, patient_id=patient.id)
        await store.courses.drop_active(patient.id, "stopped", now)
        await store.patients.set_status(patient.id, PatientStatus.STOPPED)
        await store.audit.record(actor_id=patient.chat_id, action="patient.stop",
                                 outcome=AuditOutcome.OK, target=patient_target(patient.id),
                                 detail=f"cancelled {cancelled}", now=now)
    return cancelled


async def forget(ctx: AppContext, patient: PatientRecord, now: datetime) -> None:
    """Erase personal data the same way as `patient forget` and the retention job do."""
    async with Store(ctx.sessions) as store:
        # Also cancels what is pending; staff in the staff table keep their audit ids.
        await forget_patient_data(
            store.session, patient.id, now, staff_ids=ctx.settings.staff.admin_ids
        )
        # No actor id: the Telegram id of someone who asked to be forgotten is not kept.
        await store.audit.record(actor_id=None, action="patient.forget",
                                 outcome=AuditOutcome.OK, target=patient_target(patient.id),
                                 now=now)
    ctx.wake_delivery()  # their topic's notice and closing (storage/patient_data.py)


@dataclass(frozen=True, kw_only=True)
class Blocked:
    """What a block did: whether the chat was a patient's, and the unreachable case to
    raise (None when they were no longer being looked after: stopped, already unreachable)."""

    known: bool
    alert: AlertRequest | None = None


async def mark_blocked(ctx: AppContext, chat_id: int, now: datetime) -> Blocked:
    """The patient blocked the bot: unreachable, pending messages cancelled, and while they
    were being looked after, an unreachable case for staff (the caller raises it): the
    clinic should call them. No patient lost (PRODUCT.md 3.6)."""
    async with Store(ctx.sessions) as store:
        patient = await store.patients.by_chat_id(chat_id)
        if patient is None:
            return Blocked(known=False)
        cancelled = await store.messages.cancel_pending_for_patient(patient.id, now, "blocked")
        await store.patients.set_status(patient.id, PatientStatus.UNREACHABLE)
        enrollments = await store.enrollments.list_for_patient(patient.id)
        await store.audit.record(actor_id=chat_id, action="patient.blocked",
                                 outcome=AuditOutcome.OK, target=patient_target(patient.id),
                                 detail=f"cancelled {cancelled}", now=now)
    if patient.status not in PatientStatus.LIVE:
        return Blocked(known=True)
    current = next((e for e in enrollments if e.status == EnrollmentStatus.ACTIVE),
                   enrollments[0] if enrollments else None)
    return Blocked(known=True, alert=AlertRequest(
        kind=EscalationKind.UNREACHABLE, patient=patient, enrollment=current,
        words=UNREACHABLE_NOTE, rule_id="blocked the bot"))
