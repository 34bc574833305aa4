"""Local wall times in a zone: one HH:MM rule, one DST rule, how a session is restated.

Every wall time a person types (a quiet-hours bound, a content step's `time`) is read
here (session times as staff type them: core/session_time.py), and every local wall
reading becomes an instant through
`resolve_local`, the one DST rule: an ambiguous reading (clocks falling
back) is its first occurrence, a reading inside a spring-forward gap is the moment of the
transition.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
SESSION_FORMAT = "%Y-%m-%d %H:%M"  # the unambiguous form staff may type, and how we show one


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA zone called `name`, None when there is no such zone (the one rule for
    whether a zone name is valid: settings, the CLI, a patient's /timezone)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def zone_or(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    """The zone called `name`, or `fallback` when there is none or it no longer resolves
    (a stored patient zone that a tzdata update removed): the one unknown-zone rule."""
    return (zone_named(name) if name else None) or fallback


def parse_hhmm(text: str) -> time:
    """`"08:30"` -> time(8, 30); ValueError for anything else ("8:30", "24:00", "9am")."""
    match = HHMM.match(text.strip())
    if match is None:
        raise ValueError(f'expected "HH:MM" (00:00-23:59), got {text!r}')
    return time(int(match.group(1)), int(match.group(2)))


def parse_local_minute(text: str, zone: ZoneInfo) -> datetime:
    """`"YYYY-MM-DD HH:MM"` read as a wall time in `zone` -> the aware UTC instant.

    Extra spaces are ignored. ValueError when the text is not a real date and time.
    """
    cleaned = " ".join(text.split())
    wall = datetime.strptime(cleaned, SESSION_FORMAT)  # noqa: DTZ007 - resolved in `zone` next
    return resolve_local(wall, zone)


def format_session(moment: datetime, zone: ZoneInfo) -> str:
    """A session restated for staff: `2026-03-05 11:00 (Thursday, Asia/Kolkata)`."""
    local = moment.astimezone(zone)
    return f"{local:{SESSION_FORMAT}} ({local:%A}, {zone.key})"


def format_local_minute(moment: datetime, zone: ZoneInfo) -> str:
    """The instant as staff type it: `YYYY-MM-DD HH:MM` in `zone`."""
    return moment.astimezone(zone).strftime(SESSION_FORMAT)


def wall_reading(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive local wall-clock reading of an instant in `zone`."""
    return instant.astimezone(zone).replace(tzinfo=None)


def resolve_local(
    wall: datetime, zone: ZoneInfo, *, not_before: datetime | None = None
) -> datetime:
    """The UTC instant when clocks in `zone` read `wall` (a naive local datetime).

    An ambiguous reading (clocks falling back) resolves to its first occurrence, or to the
    second when the first is earlier than `not_before`. A reading that does not exist
    (clocks springing forward) resolves to the first valid instant after the gap, i.e. the
    moment of the transition.
    """
    if wall.tzinfo is not None:
        raise ValueError("resolve_local takes a naive local wall time")
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if wall_reading(first, zone) == wall:
        if not_before is not None and first < not_before:
            second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
            if wall_reading(second, zone) == wall and second >= not_before:
                return second
        return first
    # In a gap: fold=1 maps before the transition, fold=0 after it. The transition is the
    # first instant whose wall reading is later than `wall`; find it to the second.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = first
    if low > high:
        low, high = high, low
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle <= low:
            break
        if wall_reading(middle, zone) > wall:
            high = middle
        else:
            low = middle
    return high
