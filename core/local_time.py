"""Local wall times: times as people type them in a zone: one HH:MM rule and one session-time rule.

Every wall time a person types (a session start, a quiet-hours bound, a content step's
`time`) is read here, and every local wall reading becomes an instant through
`resolve_local`, the one DST rule: an ambiguous reading (clocks falling
back) is its first occurrence, a reading inside a spring-forward gap is the moment of the
transition.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as date_parser

HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
SESSION_FORMAT = "%Y-%m-%d %H:%M"  # the unambiguous form staff may type, and how we show one
DATE_ORDERS = ("DMY", "MDY", "YMD")  # clinic.date_order: how the clinic writes 05/06/2026
# What a typed session time may look like, token by token (so a label is never read as one).
_DAY_WORDS = {"today": 0, "tomorrow": 1, "tmrw": 1, "aaj": 0, "आज": 0}
_DATE_TOKEN = re.compile(r"^\d{1,4}[/.-]\d{1,2}([/.-]\d{2,4})?$")
_TIME_TOKEN = re.compile(r"^(\d{1,2}([:.]\d{2})?\s*(am|pm)|\d{1,2}:\d{2}|am|pm)$", re.IGNORECASE)
_YEAR_FIRST = re.compile(r"^\d{4}[/.-]")  # 2026-03-05 is always year-month-day
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}|\d\s*(am|pm)\b", re.IGNORECASE)


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


class SessionTimeError(ValueError):
    """Typed text that is not a session time; `reason` is "bad" or "no_time"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_time_token(token: str) -> bool:
    """Whether one typed word is part of a session time (a date, a time, today/tomorrow)."""
    word = token.strip().lower()
    return bool(word in _DAY_WORDS or _DATE_TOKEN.match(word) or _TIME_TOKEN.match(word))


def parse_session_time(
    text: str, zone: ZoneInfo, now: datetime, *, date_order: str = "DMY"
) -> datetime:
    """A session time as staff type it, read in `zone` -> the aware UTC instant.

    Accepted: `2026-12-15 10:00`; the clinic's dates (`15/12/2026 10:00`, `15.12.26 4pm`
    for day-month-year); `today 16:30`, `tomorrow 10am`; a time alone (`10:00`, `4pm`) is
    today. A date needs a time. SessionTimeError otherwise.
    """
    cleaned = " ".join(text.split()).lower()
    today = now.astimezone(zone).date()
    words = cleaned.split(" ")
    day: date | None = None
    if words and words[0] in _DAY_WORDS:
        day = today + timedelta(days=_DAY_WORDS[words[0]])
        cleaned = " ".join(words[1:])
    if not _HAS_TIME.search(cleaned):
        dated = day is not None or any(is_time_token(word) for word in words)
        raise SessionTimeError("no_time" if dated else "bad")
    if day is not None and _DATE_TOKEN.search(cleaned.split(" ")[0]):
        raise SessionTimeError("bad")  # "today 15/12/2026 10:00": which one?
    default = datetime.combine(day or today, time(0, 0))
    year_first = date_order == "YMD" or bool(_YEAR_FIRST.match(cleaned))
    try:
        wall = date_parser.parse(
            cleaned, default=default, dayfirst=date_order == "DMY" and not year_first,
            yearfirst=year_first,
        )
    except (ValueError, OverflowError):
        raise SessionTimeError("bad") from None
    if day is not None and wall.date() != day:
        raise SessionTimeError("bad")
    return resolve_local(wall.replace(second=0, microsecond=0, tzinfo=None), zone)
