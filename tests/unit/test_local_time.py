"""Session times as staff type them, one HH:MM rule, one unknown-zone rule."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from core.local_time import (
    SessionTimeError,
    is_time_token,
    parse_hhmm,
    parse_session_time,
    zone_or,
)

KOLKATA = ZoneInfo("Asia/Kolkata")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)  # 11:30 in Kolkata


@pytest.mark.parametrize(
    ("typed", "order", "local"),
    [
        ("2026-12-15 10:00", "DMY", datetime(2026, 12, 15, 10, 0)),
        ("2026-03-05 10:00", "DMY", datetime(2026, 3, 5, 10, 0)),
        ("2026-03-05 10:00", "MDY", datetime(2026, 3, 5, 10, 0)),
        ("15/12/2026 10:00", "DMY", datetime(2026, 12, 15, 10, 0)),
        ("15.12.26 4pm", "DMY", datetime(2026, 12, 15, 16, 0)),
        ("05/06/2026 10:00", "DMY", datetime(2026, 6, 5, 10, 0)),
        ("05/06/2026 10:00", "MDY", datetime(2026, 5, 6, 10, 0)),
        ("today 16:30", "DMY", datetime(2026, 12, 2, 16, 30)),
        ("Tomorrow 10am", "DMY", datetime(2026, 12, 3, 10, 0)),
        ("10:00", "DMY", datetime(2026, 12, 2, 10, 0)),
        ("4pm", "DMY", datetime(2026, 12, 2, 16, 0)),
        ("  4:30   pm ", "DMY", datetime(2026, 12, 2, 16, 30)),
    ],
)
def test_accepted_forms(typed: str, order: str, local: datetime) -> None:
    """Each accepted form is read as clinic-local wall time."""
    moment = parse_session_time(typed, KOLKATA, NOW, date_order=order)
    assert moment.astimezone(KOLKATA).replace(tzinfo=None) == local


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("15/12/2026", "no_time"),
        ("tomorrow", "no_time"),
        ("Anita", "bad"),
        ("31/02/2026 10:00", "bad"),
        ("today 15/12/2026 10:00", "bad"),
        ("25:61", "bad"),
        ("", "bad"),
    ],
)
def test_refused_forms_say_why(typed: str, reason: str) -> None:
    """What cannot be read is refused with a reason, never guessed."""
    with pytest.raises(SessionTimeError) as caught:
        parse_session_time(typed, KOLKATA, NOW)
    assert caught.value.reason == reason


def test_one_dst_rule_a_gap_reads_as_the_transition() -> None:
    """02:30 on the spring-forward night in Berlin does not exist: it is the 03:00 change."""
    moment = parse_session_time("2026-03-29 02:30", BERLIN, NOW)
    assert moment == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_tokens_that_belong_to_a_time_are_told_from_a_label() -> None:
    """A date-like word is never taken as the start of a label."""
    assert [is_time_token(w) for w in ("15/12/2026", "10:00", "4pm", "today", "Anita", "10")] \
        == [True, True, True, True, False, False]


def test_hhmm_and_zone_rules() -> None:
    """One HH:MM rule; an unknown stored zone falls back to the clinic's."""
    assert parse_hhmm("08:30") == time(8, 30)
    for bad in ("8:30", "24:00", "9am"):
        with pytest.raises(ValueError, match="HH:MM"):
            parse_hhmm(bad)
    assert zone_or("Mars/Olympus", KOLKATA) is KOLKATA
    assert zone_or(None, KOLKATA) is KOLKATA
    assert zone_or("Europe/Berlin", KOLKATA) == BERLIN
