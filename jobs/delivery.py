"""The delivery worker: claims due outbox rows, checks them again, sends within limits, records."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import secrets
import socket
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from core.clock import Clock
from jobs.alerts import FailureAlerts
from jobs.backoff import Backoff
from jobs.config import DeliverySettings
from jobs.outcomes import DeliveryCounters, OutcomeBuffer
from jobs.pacing import Pacer, PacingPolicy, Sleep
from jobs.send_checks import SendChecks
from jobs.sender import (
    ChatUnreachable,
    OutgoingMessage,
    PermanentError,
    RetryLater,
    Sender,
    TransientError,
)
from storage.outbox import ClaimedMessage, Outbox, Outcome
from storage.pacing import PacingStore

log = logging.getLogger(__name__)


def lease_owner_id() -> str:
    """A name unique to this process: hostname-pid-random (fits lease_owner's 64 chars)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(4)}"


def _epoch(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


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
            ),
            clock=clock,
            sleep=sleep,
        )
        self._clock = clock
        self._checks = SendChecks(quiet_hours=settings.quiet_hours,
                                  clinic_timezone=clinic_timezone)
        self._backoff = Backoff(
            base_seconds=settings.backoff_base_seconds, max_seconds=settings.backoff_max_seconds
        )
        self._rng = rng or random.Random()
        self._outcomes = OutcomeBuffer(outbox=outbox, owner=self.owner, counters=self.counters,
                                       alerts=self.alerts, flush_count=flush_count,
                                       flush_seconds=flush_seconds)
        self._max_in_flight = max_in_flight
        self._stop_pass = False
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._wake_hooks: list[Callable[[], None]] = []
        self._in_flight: set[asyncio.Task[None]] = set()
        self._paused_until = 0.0  # epoch s: end of the last pause this process set
        self._prepared = False
        lease = settings.lease_seconds
        # A batch must fit in part of the lease even at full rate, or rows would expire
        # while still queued here and another process would take them over.
        self.batch_limit = max(1, min(settings.batch_size, int(self.pacer.policy.rate_per_second
                                                               * lease / 4)))
        self._lease = timedelta(seconds=lease)
        self._lease_margin = timedelta(seconds=min(5.0, lease / 4))

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
            return _epoch(paused)
        batch = await self.outbox.claim(
            owner=self.owner, now=now, lease_until=now + self._lease, limit=self.batch_limit
        )
        self._checks.blocked.clear()
        self._stop_pass = False
        if batch:
            try:
                await self._deliver(batch)
            finally:
                await asyncio.sleep(0)  # sends that are already answered record now
                await self._outcomes.flush(force=True)
        await self._alert()
        if self._paused_until > self._clock.now().timestamp():
            return _epoch(self._paused_until)  # a 429 in this pass
        if len(batch) >= self.batch_limit:
            return self._clock.now()  # a backlog: go again at once
        next_due = await self.outbox.next_due()
        if self._in_flight:  # come back soon to record their outcomes
            soon = self._clock.now() + timedelta(seconds=self._outcomes.flush_seconds)
            return soon if next_due is None else min(next_due, soon)
        return next_due

    async def settle(self) -> None:
        """Wait for sends still in flight and record every outcome.

        A pass returns while its last sends are still being answered (they overlap the
        next pass); whoever needs the outbox to match what Telegram got waits here.
        """
        async with self._lock:
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
            await self._outcomes.flush(force=True)

    async def close(self) -> None:
        """Settle before exiting: what is not recorded would be sent again after its lease."""
        await self.settle()

    async def _deliver(self, batch: Sequence[ClaimedMessage]) -> None:
        now = self._clock.now()
        sendable: deque[ClaimedMessage] = deque()
        for message in batch:
            outcome = self._checks.check(message, now)
            if outcome is None:
                sendable.append(message)
            else:
                self._outcomes.keep(outcome)
        await self._send_all(sendable)

    # --- sending --------------------------------------------------------------------

    async def _send_all(self, queue: deque[ClaimedMessage]) -> None:
        policy = self.pacer.policy
        per_chat = policy.chat_spacing
        while queue:
            now = self._clock.now()
            if now >= queue[0].lease_expires_at - self._lease_margin:
                self._release(list(queue))  # someone else may have them soon anyway
                return
            # One message per chat per chunk, so every chunk fills its slots; a chat's
            # other messages stay queued and meet its hold in the next reservation.
            chunk: list[ClaimedMessage] = []
            waiting: list[ClaimedMessage] = []
            seen: set[int] = set()
            while queue and len(chunk) < policy.chunk_size:
                message = queue.popleft()
                if per_chat > 0 and message.chat_id in seen:
                    waiting.append(message)
                else:
                    seen.add(message.chat_id)
                    chunk.append(message)
            queue.extendleft(reversed(waiting))
            chunk = await self._still_wanted(chunk, now)
            if not chunk:
                continue
            grant = await self.pacer.reserve([m.chat_id for m in chunk])
            granted = set(grant.granted)
            scheduled: list[tuple[float, ClaimedMessage]] = []
            for message in chunk:
                if message.chat_id in granted or per_chat == 0:
                    scheduled.append((grant.start + len(scheduled) * grant.interval, message))
                else:  # the chat had a message too recently: back until it is free
                    free = grant.deferred.get(message.chat_id, now.timestamp() + per_chat)
                    self._defer(message, free, now)
            unsent = await self._send_scheduled(scheduled)
            if unsent:
                # Free the chats we held for them, then take them again with new slots.
                await self.pacer.unhold({m.chat_id: grant.holds[m.chat_id] for m in unsent
                                         if m.chat_id in grant.holds}, grant.start)
                queue.extendleft(reversed(unsent))
            if self._stop_pass:  # a 429: everyone waits; we keep our leased messages
                self._stop_pass = False
                lease_left = queue[0].lease_expires_at - self._lease_margin if queue else now
                if not queue or _epoch(self._paused_until) >= lease_left:
                    self._release(list(queue))
                    return
                await self.pacer.wait_until(self._paused_until)

    async def _still_wanted(
        self, chunk: list[ClaimedMessage], now: datetime
    ) -> list[ClaimedMessage]:
        """The chunk minus what was stopped, forgotten or cancelled since it was claimed.

        Statuses are read again for every chunk (about `chunk_seconds` of sends), so a
        /stop, /forget or staff cancel reaches a batch already being sent within that time
        instead of after the whole batch.
        """
        wanted = []
        for message in await self.outbox.refresh(chunk):
            outcome = self._checks.check(message, now)
            if outcome is None:
                wanted.append(message)
            else:
                self._outcomes.keep(outcome)
        return wanted

    async def _send_scheduled(
        self, scheduled: Sequence[tuple[float, ClaimedMessage]]
    ) -> list[ClaimedMessage]:
        """Start each send at its slot without waiting for the one before to answer.

        Sends overlap (up to `max_in_flight`, across passes) because a Bot API round trip
        can take longer than the gap between slots: waiting for each answer would cap the
        rate at 1/latency, and waiting for a chunk's slowest answer (a timeout) would stall
        everything behind it. Stops at a 429 or when running too late; returns the unsent.
        """
        policy = self.pacer.policy
        in_flight = self._in_flight
        unsent: list[ClaimedMessage] = []
        shift = 0.0  # how far this chunk's remaining slots were moved back (busy loop)
        for index, (slot, message) in enumerate(scheduled):
            await self._outcomes.flush()  # while waiting for the slot, not after the send
            if not self._stop_pass:
                late = await self.pacer.wait_until(slot + shift)
                if late > policy.late_tolerance:
                    shift += late
            if self._stop_pass or shift > policy.max_shift:
                unsent = [m for _, m in scheduled[index:]]
                break
            while len(in_flight) >= self._max_in_flight:
                await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            task = asyncio.create_task(self._send_one(message))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            await asyncio.sleep(0)  # let the send start now, at its slot
        if shift > 0 and scheduled:
            await self.pacer.extend(scheduled[-1][0] + shift + policy.interval)
        return unsent

    async def _send_one(self, message: ClaimedMessage) -> None:
        """Send one message and keep its outcome; a 429 also stops this pass."""
        now = self._clock.now()
        checked = self._checks.check(message, now)
        if checked is not None:
            self._outcomes.keep(checked)
            return
        outgoing = OutgoingMessage(
            message_id=message.id,
            chat_id=message.chat_id,
            text=message.text,
            kind=message.kind,
            options=message.options,
        )
        try:
            telegram_id = await self.sender.send(outgoing)
        except RetryLater as error:
            self.counters.rate_limited += 1
            # Before any await: no further send may start, and the pause is known here.
            self._stop_pass = True
            until = self._clock.now().timestamp() + max(error.seconds, 0.0)
            self._paused_until = max(self._paused_until, until)
            self._outcomes.keep(Outcome(message_id=message.id, status="pending", at=now,
                               available_at=_epoch(until), last_error="rate limited (429)"))
            await self.pacer.pause_until(until)
            return
        except ChatUnreachable as error:
            self._checks.blocked.add(message.chat_id)
            self._outcomes.keep(Outcome(message_id=message.id, status="cancelled", at=now,
                               last_error=f"chat unreachable: {_reason(error)}"))
            try:
                await self.outbox.mark_unreachable(
                    patient_id=message.patient_id, chat_id=message.chat_id, now=now,
                    reason="chat unreachable",
                )
            except Exception as db_error:  # the next 403 from this chat tries again
                log.warning("delivery: could not mark chat of message %d unreachable (%s)",
                            message.id, type(db_error).__name__)
        except PermanentError as error:
            self._outcomes.keep(Outcome(message_id=message.id, status="failed", at=now,
                               last_error=_reason(error)))
        except TransientError as error:
            self._retry(message, _reason(error), now)
        except Exception as error:  # a sender bug must not lose the message
            log.warning("delivery: unexpected %s from sender for message %d",
                        type(error).__name__, message.id)
            self._retry(message, f"unexpected {type(error).__name__}", now)
        else:
            sent_at = self._clock.now()
            self.counters.last_lag_seconds = (sent_at - message.available_at).total_seconds()
            self._outcomes.keep(Outcome(message_id=message.id, status="sent", at=sent_at,
                               telegram_message_id=telegram_id))

    def _retry(self, message: ClaimedMessage, reason: str, now: datetime) -> None:
        self.counters.transient_errors += 1
        attempts = message.attempts + 1
        if attempts >= self.settings.max_attempts:
            self._outcomes.keep(Outcome(message_id=message.id, status="failed", at=now,
                               last_error=f"gave up after {attempts} attempts: {reason}"))
            return
        delay = self._backoff.delay(attempts, self._rng)
        self._outcomes.keep(Outcome(message_id=message.id, status="pending", at=now,
                           available_at=now + timedelta(seconds=delay), attempts=attempts,
                           last_error=reason))

    def _defer(self, message: ClaimedMessage, when: float, now: datetime) -> None:
        """Back to pending until its chat may receive again (no attempt counted)."""
        self._outcomes.keep(Outcome(message_id=message.id, status="pending", at=now,
                           available_at=max(_epoch(when), now)))

    def _release(self, messages: Sequence[ClaimedMessage]) -> None:
        """Give leased messages back untouched, for this or another process's next pass."""
        now = self._clock.now()
        for message in messages:
            self._outcomes.keep(Outcome(message_id=message.id, status="pending", at=now,
                               available_at=message.available_at))

    async def _alert(self) -> None:
        """One staff alert for the failures recorded so far, paced like any other send."""
        now = self._clock.now()
        chat = self.alerts.chat_id
        if chat is None or not self.alerts.due(now):
            await self.alerts.flush(self.sender, now)  # logs and drops when no chat is set
            return
        grant = await self.pacer.reserve([chat])
        if not grant.granted:
            return  # the staff chat had a message within per_chat_seconds; next pass
        await self.pacer.wait_until(grant.start)
        await self.alerts.flush(self.sender, now)


def _reason(error: Exception) -> str:
    """A short error description for last_error: the class and the sender's own summary."""
    detail = str(error)[:160]
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__
