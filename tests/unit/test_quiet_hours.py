"""Tests for quiet hours and local wall-time resolution across DST gaps and folds."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from core.local_time import resolve_local
from core.quiet_hours import QuietHours

NIGHT = QuietHours(start=time(21), end=time(8))
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("local", "inside"),
    [
        (time(20, 59), False),
        (time(21), True),
        (time(23, 59), True),
        (time(0), True),
        (time(7, 59), True),
        (time(8), False),
        (time(12), False),
    ],
)
def test_contains_wraps_midnight_with_end_excluded(local: time, inside: bool) -> None:
    """21:00-08:00 includes 21:00 and 07:59 but not 08:00 or 20:59."""
    assert NIGHT.contains(local) is inside


def test_contains_for_a_daytime_window() -> None:
    """A window that does not wrap (13:00-14:00) is a plain interval."""
    lunch = QuietHours(start=time(13), end=time(14))
    assert (
        lunch.contains(time(13, 30))
        and not lunch.contains(time(14))
        and not lunch.contains(time(2))
    )


def test_parse_and_equal_bounds() -> None:
    """QuietHours.parse reads the settings format; equal start and end are refused."""
    assert QuietHours.parse("21:00-08:00") == NIGHT
    with pytest.raises(ValueError):
        QuietHours(start=time(8), end=time(8))


def test_shift_moves_late_evening_to_next_morning() -> None:
    """22:30 in Kolkata moves to 08:00 the next local day."""
    zone = ZoneInfo("Asia/Kolkata")
    instant = datetime(2026, 5, 1, 22, 30, tzinfo=zone)
    moved, flag = NIGHT.shift(instant, zone)
    assert flag and moved == datetime(2026, 5, 2, 8, 0, tzinfo=zone)
    assert moved.tzinfo is UTC


def test_shift_leaves_daytime_alone() -> None:
    """An instant outside quiet hours is returned unchanged (in UTC) and not flagged."""
    instant = datetime(2026, 5, 1, 12, 0, tzinfo=BERLIN)
    assert NIGHT.shift(instant, BERLIN) == (instant.astimezone(UTC), False)


def test_shift_across_spring_forward_keeps_local_end() -> None:
    """Berlin 2026-03-28 22:30 CET moves to 08:00 CEST (06:00 UTC), not 07:00 UTC."""
    moved, _ = NIGHT.shift(datetime(2026, 3, 28, 22, 30, tzinfo=BERLIN), BERLIN)
    assert moved == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


def test_shift_end_inside_a_gap_goes_to_first_instant_after_it() -> None:
    """Quiet 00:00-02:30 on Berlin's spring-forward night ends at 03:00 CEST (the transition)."""
    quiet = QuietHours(start=time(0), end=time(2, 30))
    moved, flag = quiet.shift(datetime(2026, 3, 29, 0, 15, tzinfo=BERLIN), BERLIN)
    assert flag and moved == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert moved.astimezone(BERLIN).time() == time(3, 0)


def test_shift_end_in_a_fold_never_moves_backwards() -> None:
    """In New York's repeated 01:00-02:00, an instant in the second pass moves forward only."""
    quiet = QuietHours(start=time(1), end=time(1, 30))
    second_pass = datetime(2026, 11, 1, 1, 15, fold=1, tzinfo=NEW_YORK)
    moved, flag = quiet.shift(second_pass, NEW_YORK)
    assert flag and moved > second_pass
    # 01:30 EST, the second pass (fold=1); compared in UTC because PEP 495 makes
    # inter-zone == False for any ambiguous time.
    assert moved == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_resolve_local_gap_fold_and_plain() -> None:
    """Nonexistent -> the transition; ambiguous -> first occurrence; plain -> itself."""
    assert resolve_local(datetime(2026, 3, 29, 2, 30), BERLIN) == datetime(
        2026, 3, 29, 1, tzinfo=UTC
    )
    first = resolve_local(datetime(2026, 11, 1, 1, 30), NEW_YORK)
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # EDT, the first pass
    assert resolve_local(datetime(2026, 7, 1, 9, 0), BERLIN) == datetime(2026, 7, 1, 7, tzinfo=UTC)


def test_resolve_local_skipped_day_in_apia() -> None:
    """Samoa skipped 2011-12-30 entirely; any time that day resolves to the next midnight."""
    apia = ZoneInfo("Pacific/Apia")
    resolved = resolve_local(datetime(2011, 12, 30, 9, 0), apia)
    assert resolved.astimezone(apia).replace(tzinfo=None) == datetime(2011, 12, 31, 0, 0)


def test_resolve_local_rejects_aware_input() -> None:
    """resolve_local is for naive wall times only."""
    with pytest.raises(ValueError):
        resolve_local(datetime(2026, 1, 1, tzinfo=UTC), BERLIN)
