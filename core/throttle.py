"""Throttle: at most one event per key per interval (a refusal to one person, an audit row
per client and reason), counting what it held back; memory bounded, the clock passed in."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clock import require_aware


@dataclass(frozen=True, kw_only=True)
class Allowed:
    """Whether this event may go now, and how many of its key were held back since the
    last one that went."""

    ok: bool
    held_back: int = 0


class Throttle:
    """`allow(key, now)`: the first event of a key goes, then nothing more of that key for
    `interval`. Remembers at most `capacity` keys (the oldest forgotten first: a forgotten
    key's next event simply goes)."""

    def __init__(self, interval: timedelta, *, capacity: int = 10_000) -> None:
        if interval <= timedelta(0) or capacity < 1:
            raise ValueError("a throttle needs a positive interval and capacity")
        self.interval = interval
        self.capacity = capacity
        self._last: OrderedDict[Hashable, tuple[datetime, int]] = OrderedDict()

    def allow(self, key: Hashable, now: datetime) -> Allowed:
        require_aware(now, "now")
        seen = self._last.get(key)
        if seen is not None and now - seen[0] < self.interval:
            self._last[key] = (seen[0], seen[1] + 1)
            return Allowed(ok=False)
        self._last.pop(key, None)
        self._last[key] = (now, 0)
        while len(self._last) > self.capacity:
            self._last.popitem(last=False)
        return Allowed(ok=True, held_back=0 if seen is None else seen[1])
