"""One HH:MM rule, one unknown-zone rule (session times: test_session_time.py)."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

import pytest

from core.local_time import parse_hhmm, zone_or

KOLKATA = ZoneInfo("Asia/Kolkata")
BERLIN = ZoneInfo("Europe/Berlin")


def test_hhmm_and_zone_rules() -> None:
    """One HH:MM rule; an unknown stored zone falls back to the clinic's."""
    assert parse_hhmm("08:30") == time(8, 30)
    for bad in ("8:30", "24:00", "9am"):
        with pytest.raises(ValueError, match="HH:MM"):
            parse_hhmm(bad)
    assert zone_or("Mars/Olympus", KOLKATA) is KOLKATA
    assert zone_or(None, KOLKATA) is KOLKATA
    assert zone_or("Europe/Berlin", KOLKATA) == BERLIN
