"""The real clock: the one place the current time is read (core only sees `Clock`)."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)
