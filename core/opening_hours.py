"""The clinic's opening hours (`clinic.hours`), e.g. "Mon-Sat 09:00-19:00": parsed once,
asked "open at this local time?". Pure: the caller passes the clinic-local time.

Grammar: one or more groups separated by ";" or ",", each `<days> <HH:MM>-<HH:MM>`; days
are a day ("Sun"), a range ("Mon-Fri", wrapping allowed: "Sat-Mon") or several joined by
"/" ("Mon/Wed/Fri"). Day names are the first three letters, in any case. A window whose
end is not after its start (e.g. 22:00-02:00) is refused: write two groups instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
GROUP = re.compile(r"^\s*(?P<days>[A-Za-z/\-]+)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*"
                   r"(?P<end>\d{1,2}:\d{2})\s*$")
EXAMPLE = (
    'expected opening hours like "Mon-Sat 09:00-19:00" '
    '(or "Mon-Fri 09:00-18:00; Sat 10:00-14:00")'
)


@dataclass(frozen=True)
class Window:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time


@dataclass(frozen=True)
class OpeningHours:
    windows: tuple[Window, ...]

    @classmethod
    def parse(cls, text: str) -> OpeningHours:
        """The hours in `text`; ValueError saying what is expected otherwise."""
        groups = [g for g in re.split(r"[;,]", text) if g.strip()]
        if not groups:
            raise ValueError(EXAMPLE)
        return cls(tuple(_window(group) for group in groups))

    def describe(self, day_names: Sequence[str]) -> str:
        """The hours written out with these day names (Monday first), e.g. in Hindi
        "सोमवार–शनिवार 09:00–19:00": runs of days joined by a dash, windows by "; "."""
        return "; ".join(
            f"{_days(window.days, day_names)} {window.start:%H:%M}–{_end(window.end)}"
            for window in self.windows
        )

    def is_open(self, local: datetime) -> bool:
        """Whether the clinic is open at `local` (a clinic-local time)."""
        moment = local.time().replace(tzinfo=None)
        return any(
            local.weekday() in w.days and w.start <= moment < w.end for w in self.windows
        )


def _days(days: frozenset[int], names: Sequence[str]) -> str:
    """Monday-first runs of days: {0..5} -> "Monday–Saturday", {0, 2, 4} -> "Monday, ..."."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(names[run[0]] if len(run) == 1 else f"{names[run[0]]}–{names[run[-1]]}"
                     for run in runs)


def _end(moment: time) -> str:
    return "24:00" if moment == time(23, 59, 59, 999999) else f"{moment:%H:%M}"


def _window(group: str) -> Window:
    found = GROUP.match(group)
    if found is None:
        raise ValueError(f"{EXAMPLE}, got {group.strip()!r}")
    start, end = _clock(found["start"]), _clock(found["end"])
    if end <= start:
        raise ValueError(f"{group.strip()!r}: the closing time must be after the opening time")
    days: set[int] = set()
    for part in found["days"].split("/"):
        first, _, last = part.partition("-")
        a, b = _day(first), _day(last) if last else _day(first)
        days.update((a + i) % 7 for i in range((b - a) % 7 + 1))
    return Window(frozenset(days), start, end)


def _day(name: str) -> int:
    key = name.strip().lower()[:3]
    if key not in DAYS or len(name.strip()) < 3:
        raise ValueError(f"{EXAMPLE}; unknown day {name.strip()!r}")
    return DAYS.index(key)


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours == 24 and minutes == 0:
        return time(23, 59, 59, 999999)
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise ValueError(f"{EXAMPLE}; {text!r} is not a time of day")
    return time(hours, minutes)
