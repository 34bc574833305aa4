"""Quiet hours in patient-local time, and turning local wall times into instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.clock import require_aware

# Pathological windows (a window ending inside a DST gap that the gap pushes back into the
# window) can need a second shift; no real zone needs more than two.
_MAX_SHIFTS = 4


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
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
    if _wall(first, zone) == wall:
        if not_before is not None and first < not_before:
            second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
            if _wall(second, zone) == wall and second >= not_before:
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
        if _wall(middle, zone) > wall:
            high = middle
        else:
            low = middle
    return high


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
        start, sep, end = text.partition("-")
        if not sep:
            raise ValueError(f'expected "HH:MM-HH:MM", got {text!r}')
        return cls(start=time.fromisoformat(start.strip()), end=time.fromisoformat(end.strip()))

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
            local = _wall(current, zone)
            if not self.contains(local.time()):
                return current, moved
            end = datetime.combine(self._end_date(local), self.end)
            current = resolve_local(end, zone, not_before=current)
            moved = True
        return current, moved
