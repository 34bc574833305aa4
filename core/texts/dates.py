"""Days and dates as patients read them (/plan, when the first messages come, a booked
session, the clinic's opening hours), by the patterns and names of their language's
profile (texts/<language>.toml `[language]`): written out here rather than by strftime,
whose names follow the machine's locale."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core.texts.catalog import LanguageProfile, installed, profile


def weekday(index: int, language: str, *, short: bool = False) -> str:
    """The name of weekday `index` (0 = Monday) in `language` (English when missing)."""
    names = profile(language)
    return (names.weekdays_short if short else names.weekdays)[index]


def weekdays(language: str) -> tuple[str, ...] | None:
    """The full names, Monday first, or None when `language` has no catalog."""
    known = installed().get(language)
    return known.profile.weekdays if known is not None else None


def local_date(pattern: str, moment: datetime, zone: ZoneInfo, now: datetime,
               language: str) -> str:
    """`moment` in `zone` by the profile's `pattern` ("plan_date", "day_date",
    "session_date"), its "_other_year" variant when the year is not this one."""
    local = moment.astimezone(zone)
    names = profile(language)
    if local.year != now.astimezone(zone).year:
        pattern += "_other_year"
    return names.dates[pattern].format(
        **{name: names.numerals(value) for name, value in _fields(local, names).items()})


def session_when(moment: datetime, zone: ZoneInfo, language: str, now: datetime) -> str:
    """A session's day and time as the patient reads it, in their zone: "Tue 15 Dec, 16:00"
    ("मंगलवार, 15 दिसंबर, 16:00"); the year only when it is not this year."""
    return local_date("session_date", moment, zone, now, language)


def _fields(local: datetime, names: LanguageProfile) -> dict[str, str]:
    return {
        "weekday": names.weekdays[local.weekday()],
        "weekday_short": names.weekdays_short[local.weekday()],
        "day": str(local.day),
        "dd": f"{local.day:02d}",
        "mm": f"{local.month:02d}",
        "month": names.months[local.month - 1],
        "year": str(local.year),
        "time": f"{local:%H:%M}",
    }
