"""Clocks as the core sees them: a protocol, and the fake one tests move by hand.

The real clock (storage/system_clock.py) is the only place the current time is read;
everything else is handed a Clock or `now`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


@dataclass
class FakeClock:
    """A clock tests move by hand, so "24 hours later" takes no time at all."""

    current: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))

    def __post_init__(self) -> None:
        require_aware(self.current, "FakeClock.current")

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> datetime:
        self.current = self.current + delta
        return self.current

    def set(self, when: datetime) -> None:
        require_aware(when, "FakeClock.set")
        self.current = when


def require_aware(value: datetime, what: str) -> datetime:
    """Reject naive datetimes: every instant in this project carries its zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value!r}")
    return value
