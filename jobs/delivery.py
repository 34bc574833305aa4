"""The delivery worker: claims due outbox rows, checks them again, sends within limits, records."""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from core.clock import Clock
from jobs.alerts import FailureAlerts
from jobs.backoff import Backoff
from jobs.config import DeliverySettings
from jobs.dispatch import Dispatcher
from jobs.outcomes import DeliveryCounters, OutcomeBuffer
from jobs.pacing import Pacer, PacingPolicy, Sleep, at_epoch
from jobs.send_checks import SendChecks
from jobs.sender import Sender
from storage.outbox import Outbox
from storage.pacing import PacingStore


def lease_owner_id() -> str:
    """A name unique to this process: hostname-pid-random (fits lease_owner's 64 chars)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(4)}"


class DeliveryWorker:
    """Sends every due message once, on time, within limits; the outbox is the only record.

    `run_once(now)` is one pass; passes never overlap (an asyncio.Lock). Outcomes are
    buffered and written in batches, but at most `flush_seconds` after they happen, which
    bounds what a hard crash can leave in flight.
    """

    def __init__(
        self,
        *,
        outbox: Outbox,
        sender: Sender,
        settings: DeliverySettings,
        clock: Clock,
        clinic_timezone: str = "UTC",
        alerts: FailureAlerts | None = None,
        owner: str | None = None,
        sleep: Sleep = asyncio.sleep,
        policy: PacingPolicy | None = None,
        rng: random.Random | None = None,
        flush_count: int = 200,
        flush_seconds: float = 0.2,
        max_in_flight: int = 8,
    ) -> None:
        self.outbox = outbox
        self.sender = sender
        self.settings = settings
        self.owner = owner or lease_owner_id()
        self.alerts = alerts or FailureAlerts(chat_id=None)
        self.counters = DeliveryCounters()
        self.pacer = Pacer(
            store=PacingStore(outbox.engine),
            policy=policy
            or PacingPolicy(
                rate_per_second=settings.rate_per_second,
                per_chat_seconds=settings.per_chat_seconds,
                per_group_seconds=settings.per_group_seconds,
            ),
            clock=clock,
            sleep=sleep,
        )
        self._clock = clock
        self._outcomes = OutcomeBuffer(outbox=outbox, owner=self.owner, counters=self.counters,
                                       alerts=self.alerts, flush_count=flush_count,
                                       flush_seconds=flush_seconds)
        lease = settings.lease_seconds
        self._dispatch = Dispatcher(
            outbox=outbox,
            sender=sender,
            pacer=self.pacer,
            checks=SendChecks(quiet_hours=settings.quiet_hours, clinic_timezone=clinic_timezone),
            outcomes=self._outcomes,
            counters=self.counters,
            clock=clock,
            max_attempts=settings.max_attempts,
            backoff=Backoff(base_seconds=settings.backoff_base_seconds,
                            max_seconds=settings.backoff_max_seconds),
            rng=rng or random.Random(),
            max_in_flight=max_in_flight,
            lease_margin=timedelta(seconds=min(5.0, lease / 4)),
        )
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._wake_hooks: list[Callable[[], None]] = []
        self._prepared = False
        # A batch must fit in part of the lease even at full rate, or rows would expire
        # while still queued here and another process would take them over.
        self.batch_limit = max(1, min(settings.batch_size, int(self.pacer.policy.rate_per_second
                                                               * lease / 4)))
        self._lease = timedelta(seconds=lease)

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def busy(self) -> bool:
        """Whether a pass is running now."""
        return self._lock.locked()

    # --- waking ---------------------------------------------------------------------

    @property
    def wake_event(self) -> asyncio.Event:
        """Set by `wake()`; a stand-alone runner waits on it between passes."""
        return self._wake

    def on_wake(self, hook: Callable[[], None]) -> None:
        """Call `hook` whenever `wake()` is (the JobQueue wiring schedules a pass with it)."""
        self._wake_hooks.append(hook)

    def wake(self) -> None:
        """Messages are due now (e.g. just after consent): run a pass soon."""
        self._wake.set()
        for hook in self._wake_hooks:
            hook()

    # --- one pass -------------------------------------------------------------------

    async def run_once(self, now: datetime | None = None) -> datetime | None:
        """One pass; returns when the next one is needed (None: nothing pending at all)."""
        async with self._lock:
            self._wake.clear()
            self.counters.passes += 1
            try:
                return await self._pass(now or self._clock.now())
            except Exception:
                self.counters.pass_errors += 1
                raise

    async def _pass(self, now: datetime) -> datetime | None:
        if not self._prepared:
            await self.pacer.prepare()
            self._prepared = True
        await self._outcomes.flush(force=True)  # what a failed write left behind, before new work
        paused = await self.pacer.paused_until()
        if paused > now.timestamp():
            return at_epoch(paused)
        batch = await self.outbox.claim(
            owner=self.owner, now=now, lease_until=now + self._lease, limit=self.batch_limit
        )
        self._dispatch.begin_pass()
        if batch:
            try:
                await self._dispatch.deliver(batch)
            finally:
                await asyncio.sleep(0)  # sends that are already answered record now
                await self._outcomes.flush(force=True)
        await self._alert()
        return await self._next_pass(backlog=len(batch) >= self.batch_limit)

    async def _next_pass(self, *, backlog: bool) -> datetime | None:
        """When to run again: a 429's end, now (a backlog), or the next due time."""
        if self._dispatch.paused_until > self._clock.now().timestamp():
            return at_epoch(self._dispatch.paused_until)  # a 429 this process got
        if backlog:
            return self._clock.now()
        next_due = await self.outbox.next_due()
        # Sends still in flight, or answered after this pass's last write: come back soon
        # to record them (a send answered just after the final flush left its outcome here).
        if self._dispatch.in_flight or self._outcomes.waiting:
            soon = self._clock.now() + timedelta(seconds=self._outcomes.flush_seconds)
            return soon if next_due is None else min(next_due, soon)
        return next_due

    async def settle(self) -> None:
        """Wait for sends still in flight and record every outcome.

        A pass returns while its last sends are still being answered (they overlap the
        next pass); whoever needs the outbox to match what Telegram got waits here.
        """
        async with self._lock:
            await self._dispatch.settle()
            await self._outcomes.flush(force=True)

    async def close(self) -> None:
        """Settle before exiting: what is not recorded would be sent again after its lease."""
        await self.settle()

    async def _alert(self) -> None:
        """One staff notice for the failures recorded so far, queued in the outbox (the
        next pass sends it, paced with the group's other posts)."""
        await self.alerts.flush(self._queue_notice, self._clock.now())

    async def _queue_notice(self, chat_id: int, text: str) -> None:
        await self.outbox.enqueue_notice(chat_id=chat_id, text=text, now=self._clock.now())
