"""Send pacing shared by every delivery process: global rate, per-chat spacing, 429 pauses."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from core.clock import Clock
from storage.pacing import PacingStore, SlotGrant

Sleep = Callable[[float], Awaitable[None]]


def at_epoch(seconds: float) -> datetime:
    """An aware UTC datetime for epoch `seconds` (pacing times are epoch seconds)."""
    return datetime.fromtimestamp(seconds, UTC)


# A group send not answered within this is presumed lost with its process: the group is
# free again (PacingPolicy.group_hold).
GROUP_IN_FLIGHT_SECONDS = 30.0


@dataclass(frozen=True, kw_only=True)
class PacingPolicy:
    """How fast to send.

    `margin` spaces slots by (1 + margin) / rate: Telegram (and the fake API) count sends
    in a sliding one-second window at *arrival*, and event-loop jitter can bring two sends
    closer than their slots; 3% headroom absorbs up to ~30 ms of jitter per window.
    `chunk_seconds` is how much send time one reservation covers: small enough that a pause
    set by another process is seen within it, large enough to keep DB round trips few.
    A process that reaches a slot more than `late_seconds` late (a busy event loop) sends
    then and re-spaces the rest of its chunk from there instead of bunching them; it then
    pushes the shared next_slot past its shifted tail. Beyond `max_shift_seconds` (by
    default the margin: more would run into slots other processes hold) it gives the rest
    of the chunk up and reserves new slots for them. Chats are held `max_shift_seconds`
    longer than `per_chat_seconds` so that a shifted send still keeps a chat's spacing.
    """

    rate_per_second: float
    per_chat_seconds: float
    # Group chats (the staff chat): Telegram allows about 20 messages a minute in a group.
    per_group_seconds: float = 3.0
    margin: float = 0.03
    chunk_seconds: float = 0.5
    late_seconds: float | None = None  # None: margin / 3 * 1 s
    max_shift_seconds: float | None = None  # None: margin * 1 s
    # After `cold_after_seconds` without sends (or at start) the first `warmup_seconds` of
    # slots run at half rate: fresh connections make the first requests arrive bunched.
    cold_after_seconds: float = 5.0
    warmup_seconds: float = 1.0

    def __post_init__(self) -> None:
        if self.rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        if self.per_chat_seconds < 0 or self.margin < 0 or self.chunk_seconds <= 0:
            raise ValueError("per_chat_seconds, margin >= 0 and chunk_seconds > 0 expected")

    @cached_property
    def interval(self) -> float:
        return (1.0 + self.margin) / self.rate_per_second

    @cached_property
    def chunk_size(self) -> int:
        return max(1, int(self.chunk_seconds / self.interval))

    @cached_property
    def late_tolerance(self) -> float:
        # A third of the headroom: the rest absorbs arrival jitter we cannot see.
        return self.margin / 3 if self.late_seconds is None else self.late_seconds

    @cached_property
    def max_shift(self) -> float:
        # Beyond this, our shifted tail would run into slots other processes already hold.
        return self.margin if self.max_shift_seconds is None else self.max_shift_seconds

    @cached_property
    def chat_spacing(self) -> float:
        """How long a private chat is held after a send (0: no per-chat pacing)."""
        if self.per_chat_seconds <= 0:
            return 0.0
        return self.per_chat_seconds + self.max_shift

    @cached_property
    def group_spacing(self) -> float:
        """How long a group chat is held after a send (0: no pacing)."""
        if self.per_group_seconds <= 0:
            return 0.0
        return self.per_group_seconds + self.max_shift

    def spacing_for(self, chat_id: int) -> float:
        """The hold of this chat: groups have negative ids."""
        return self.group_spacing if chat_id < 0 else self.chat_spacing

    @cached_property
    def group_hold(self) -> float:
        """How long a group chat is reserved when granted: until its send is answered
        (Pacer.release_group then frees it `group_spacing` after the answer), or this long
        if the process dies meanwhile. So a send held up in a busy process can never
        arrive in the group closer than `group_spacing` to the next (slot spacing alone
        lets a late send and a punctual one bunch, and 21 land within a minute)."""
        return self.group_spacing + GROUP_IN_FLIGHT_SECONDS if self.group_spacing > 0 else 0.0


class Pacer:
    """Reserves send slots through the database and waits for them."""

    def __init__(
        self, *, store: PacingStore, policy: PacingPolicy, clock: Clock,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.store = store
        self.policy = policy
        self._clock = clock
        self._sleep = sleep
        self._last_slot = float("-inf")  # end of the last slots this process reserved
        self._warm_until = 0.0

    def _now(self) -> float:
        return self._clock.now().timestamp()

    async def prepare(self) -> None:
        await self.store.ensure_pacing_row()

    async def reserve(self, chat_ids: Sequence[int]) -> SlotGrant:
        """One slot per chat that may receive a message now (distinct ids when per-chat > 0)."""
        now = self._now()
        interval = self.policy.interval
        if now - self._last_slot > self.policy.cold_after_seconds:
            self._warm_until = now + self.policy.warmup_seconds
        if now < self._warm_until:
            interval *= 2
        grant = await self.store.reserve_slots(
            chat_ids=chat_ids, now=now, interval=interval, per_chat=self.policy.chat_spacing,
            per_group=self.policy.group_hold,
        )
        if grant.granted:
            self._last_slot = grant.start + len(grant.granted) * interval
        return grant

    async def wait_until(self, when: float) -> float:
        """Sleep until `when` (epoch s); returns how late we already were (0: on time)."""
        delay = when - self._now()
        if delay > 0:
            await self._sleep(delay)
            return 0.0
        return -delay

    async def unhold(self, holds: Mapping[int, float], start: float) -> None:
        """Release chats reserved (at `holds` values) for sends that did not happen."""
        if holds:
            await self.store.unhold_chats(holds=holds, free_at=start)

    async def release_group(self, chat_id: int, held: float) -> None:
        """A group send was answered (or dropped): the group is free `group_spacing` from
        now, if the hold is still the one we wrote."""
        await self.store.unhold_chats(holds={chat_id: held},
                                      free_at=self._now() + self.policy.group_spacing)

    async def extend(self, until: float) -> None:
        """No process may take a slot before `until`: our shifted sends run until then."""
        await self.store.push_next_slot(until)

    async def pause_until(self, until: float) -> None:
        """Hold every process off until `until` (epoch s; a 429's retry_after)."""
        await self.store.pause(until)

    async def paused_until(self) -> float:
        return await self.store.paused_until()
