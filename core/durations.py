"""Durations as clinics write them in content files: `+24h`, `-14d`, `30m`, `1d12h`."""

from __future__ import annotations

import re
from datetime import timedelta

UNITS: dict[str, timedelta] = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}

_WHOLE = re.compile(r"^([+-]?)((?:\d+[smhdw])+)$")
_PART = re.compile(r"(\d+)([smhdw])")

EXPECTED = (
    'expected a number and a unit (s, m, h, d or w) with an optional sign, like "+24h", '
    '"-14d" or "30m"'
)


# Aftercare reaches at most this far from the session (pre-care before it, follow-up after);
# anything longer is a typo, and a huge one would break every date computed from it.
MAX_DURATION = timedelta(days=3 * 365)


class DurationError(ValueError):
    """A duration text that does not match the content format; the message says what is."""


def parse_duration(text: str) -> timedelta:
    """`"+24h"` -> 24 hours, `"-14d"` -> minus 14 days; parts may be combined (`"1d12h"`)."""
    if not isinstance(text, str):
        raise DurationError(f"{EXPECTED}, got {text!r}")
    match = _WHOLE.match(text.strip())
    if match is None:
        raise DurationError(f"{EXPECTED}, got {text!r}")
    sign, body = match.groups()
    parts = _PART.findall(body)
    if any(len(number) > 7 for number, _unit in parts):
        raise DurationError(f"{text!r} is too long; at most {MAX_DURATION.days}d")
    total = sum((int(number) * UNITS[unit] for number, unit in parts), timedelta())
    if total > MAX_DURATION:
        raise DurationError(
            f"{text!r} is longer than {MAX_DURATION.days}d (three years): aftercare that far "
            "from the session is a new enrollment"
        )
    return -total if sign == "-" else total


def format_duration(value: timedelta, *, signed: bool = False) -> str:
    """The inverse of parse_duration: `timedelta(hours=36)` -> `"1d12h"` (`"+1d12h"` if signed)."""
    negative = value < timedelta(0)
    seconds = int(abs(value).total_seconds())
    parts = []
    for unit in ("d", "h", "m", "s"):
        size = int(UNITS[unit].total_seconds())
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    body = "".join(parts) or "0m"
    if negative:
        return "-" + body
    return ("+" + body) if signed else body
