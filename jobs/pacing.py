"""Send pacing shared by every delivery process: global rate, per-chat spacing, 429 pauses."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from core.clock import Clock
from storage.outbox import Outbox, SlotGrant

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class PacingPolicy:
    """How fast to send.

    `margin` spaces slots by (1 + margin) / rate: Telegram (and the fake API) count sends
    in a sliding one-second window at *arrival*, and event-loop jitter can bring two sends
    closer than their slots; 3% headroom absorbs up to ~30 ms of jitter per window.
    `chunk_seconds` is how much send time one reservation covers: small enough that a pause
    set by another process is seen within it, large enough to keep DB round trips few.
    A slot missed by more than `late_seconds` is given up, so a stalled process cannot
    bunch its sends into the next process's slots.
    """

    rate_per_second: float
    per_chat_seconds: float
    margin: float = 0.03
    chunk_seconds: float = 0.5
    late_seconds: float | None = None  # None: margin * 1 s

    def __post_init__(self) -> None:
        if self.rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        if self.per_chat_seconds < 0 or self.margin < 0 or self.chunk_seconds <= 0:
            raise ValueError("per_chat_seconds, margin >= 0 and chunk_seconds > 0 expected")

    @property
    def interval(self) -> float:
        return (1.0 + self.margin) / self.rate_per_second

    @property
    def chunk_size(self) -> int:
        return max(1, int(self.chunk_seconds / self.interval))

    @property
    def late_tolerance(self) -> float:
        return self.margin if self.late_seconds is None else self.late_seconds


class Pacer:
    """Reserves send slots through the database and waits for them."""

    def __init__(
        self, *, outbox: Outbox, policy: PacingPolicy, clock: Clock, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.outbox = outbox
        self.policy = policy
        self._clock = clock
        self._sleep = sleep

    def _now(self) -> float:
        return self._clock.now().timestamp()

    async def prepare(self) -> None:
        await self.outbox.ensure_pacing_row()

    async def reserve(self, chat_ids: Sequence[int]) -> SlotGrant:
        """One slot per chat that may receive a message now (distinct ids when per-chat > 0)."""
        return await self.outbox.reserve_slots(
            chat_ids=chat_ids,
            now=self._now(),
            interval=self.policy.interval,
            per_chat=self.policy.per_chat_seconds,
        )

    async def wait_for(self, slot: float) -> bool:
        """Sleep until `slot`; False when it was already missed by more than the tolerance."""
        delay = slot - self._now()
        if delay > 0:
            await self._sleep(delay)
            return True
        return -delay <= self.policy.late_tolerance

    async def pause(self, seconds: float) -> float:
        """Hold every process off for `seconds` (a 429); returns the pause's end, epoch s."""
        until = self._now() + max(seconds, 0.0)
        await self.outbox.pause(until)
        return until

    async def paused_until(self) -> float:
        return await self.outbox.paused_until()
