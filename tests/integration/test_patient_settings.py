"""Time-zone lookup (IANA names, cities, typos, junk) and the self-service settings."""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services import patient_settings
from services.context import AppContext
from services.patient_settings import lookup_zone
from storage.repositories import Store
from tests.integration.services_support import CHAT, NOW, joined


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("Europe/Berln", "Europe/Berlin"),
        ("Berlin", "Europe/Berlin"),
        ("berln", "Europe/Berlin"),
        ("New York", "America/New_York"),
        ("new_york", "America/New_York"),
        ("Mumbai", "Asia/Kolkata"),
        ("मुंबई", "Asia/Kolkata"),
        ("Lndon", "Europe/London"),
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("UTC", "UTC"),
    ],
)
def test_resolves(typed: str, zone: str) -> None:
    """Names, cities, aliases and small typos resolve to one zone."""
    assert lookup_zone(typed).zone == zone


def test_ambiguous_offers_choices() -> None:
    """A prefix of several cities offers them instead of guessing."""
    found = lookup_zone("Santa")
    assert found.zone is None and len(found.choices) >= 2


@pytest.mark.parametrize("typed", ["", "\x00", "xyzzy", "asdf", "<script>", "a" * 10_000, "st"])
def test_unknown(typed: str) -> None:
    """Junk resolves to nothing and offers nothing."""
    assert lookup_zone(typed) == patient_settings.ZoneLookup()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_lookup_never_raises_and_returns_real_zones(typed: str) -> None:
    """Any text: no exception, and anything returned is a zone this system knows."""
    found = lookup_zone(typed)
    known = available_timezones()
    for zone in (found.zone, *found.choices):
        if zone is not None:
            assert zone in known
            ZoneInfo(zone)


async def test_timezone_change_replans_pending(ctx: AppContext) -> None:
    """A new zone moves day/time reminders to the same local time there."""
    patient_id = await joined(ctx)
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
    assert patient is not None
    updated = await patient_settings.set_timezone(ctx, patient, "Europe/Berlin", NOW)
    assert updated is not None and updated.timezone == "Europe/Berlin"
    async with Store(ctx.sessions) as store:
        [enrollment] = await store.enrollments.list_for_patient(patient_id)
        messages = await store.messages.list_for_enrollment(enrollment.id)
    sun = next(m for m in messages if m.step_id == "sun" and m.occurrence == 0)
    assert sun.due_at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") == "09:00"
    assert await patient_settings.set_timezone(ctx, patient, "Mars/Olympus", NOW) is None


async def test_language_outside_clinic_languages_is_refused(ctx: AppContext) -> None:
    """Only the clinic's languages can be chosen."""
    patient_id = await joined(ctx)
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
    assert patient is not None
    assert await patient_settings.set_language(ctx, patient, "fr", NOW) is None
    assert await patient_settings.set_language(ctx, patient, "hi", NOW) is not None


async def test_stop_cancels_and_blocked_marks_unreachable(ctx: AppContext) -> None:
    """/stop cancels every pending message; a block on an unknown chat is a no-op."""
    patient_id = await joined(ctx)
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
    assert patient is not None
    assert await patient_settings.stop(ctx, patient, NOW) > 0
    async with Store(ctx.sessions) as store:
        assert await store.messages.upcoming_for_patient(patient_id, NOW) == ()
        stopped = await store.patients.by_chat_id(CHAT)
    assert stopped is not None and stopped.status == "stopped"
    assert (await patient_settings.mark_blocked(ctx, 123456, NOW)).known is False
    blocked = await patient_settings.mark_blocked(ctx, CHAT, NOW)
    # Known; no unreachable case: they had stopped already (nobody to call about).
    assert blocked.known is True and blocked.alert is None
