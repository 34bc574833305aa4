"""Quiet hours in patient-local time: the window, and moving an instant out of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.clock import require_aware
from core.local_time import parse_hhmm, resolve_local, wall_reading

# A patient who wrote to us (or consented) within this long is awake: messages falling due
# in that window are not held by quiet hours. An hour covers the day-0 care of an evening
# session ("for the rest of today") sent right after a late consent, without letting one
# late message open the whole night to reminders.
AWAKE_WINDOW = timedelta(hours=1)

# Pathological windows (a window ending inside a DST gap that the gap pushes back into the
# window) can need a second shift; no real zone needs more than two.
_MAX_SHIFTS = 4


def awake_until(active_at: datetime | None) -> datetime | None:
    """Until when a patient last active at `active_at` counts as awake (None: not known)."""
    return None if active_at is None else active_at + AWAKE_WINDOW


@dataclass(frozen=True, kw_only=True)
class QuietHours:
    """A daily window [start, end) in patient-local time; it may wrap midnight (21:00-08:00)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValueError("quiet hours need different start and end times")

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """`"21:00-08:00"` -> QuietHours(start=21:00, end=08:00)."""
        first, _sep, last = text.partition("-")  # no "-": `last` is "" and is refused
        try:
            start, end = parse_hhmm(first), parse_hhmm(last)
        except ValueError:
            raise ValueError('expected "HH:MM-HH:MM", e.g. "21:00-08:00"') from None
        if start == end:
            raise ValueError("start and end of quiet hours must differ")
        return cls(start=start, end=end)

    @property
    def wraps_midnight(self) -> bool:
        return self.start > self.end

    def contains(self, local_time: time) -> bool:
        """Whether a local wall time is inside the window (start included, end excluded)."""
        moment = local_time.replace(tzinfo=None, fold=0)
        if self.wraps_midnight:
            return moment >= self.start or moment < self.end
        return self.start <= moment < self.end

    def _end_date(self, local: datetime) -> date:
        """The local date on which the window containing `local` ends."""
        if self.wraps_midnight and local.time() >= self.start:
            return local.date() + timedelta(days=1)
        return local.date()

    def shift(self, instant: datetime, zone: ZoneInfo) -> tuple[datetime, bool]:
        """Move an instant inside quiet hours to their end (patient-local); UTC out.

        Returns (instant in UTC, whether it moved). An end time that does not exist that
        day (DST gap) resolves to the first valid instant after the gap; one that occurs
        twice resolves to the first occurrence not earlier than the instant.
        """
        current = require_aware(instant, "instant").astimezone(UTC)
        moved = False
        for _ in range(_MAX_SHIFTS):
            local = wall_reading(current, zone)
            if not self.contains(local.time()):
                return current, moved
            end = datetime.combine(self._end_date(local), self.end)
            current = resolve_local(end, zone, not_before=current)
            moved = True
        return current, moved
