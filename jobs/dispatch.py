"""Sending one claimed batch: chunk by chunk, each re-checked, paced into reserved slots."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from core.clock import Clock
from core.statuses import PHOTO_POST_STEP, TOPIC_PENDING, MessageKind
from jobs.backoff import Backoff
from jobs.decisions import (
    ChatBusy,
    Decision,
    Delivered,
    Event,
    NotStarted,
    SendFailed,
    decide,
)
from jobs.outcomes import DeliveryCounters, OutcomeBuffer
from jobs.pacing import Pacer, at_epoch
from jobs.send_checks import SendChecks
from jobs.sender import OutgoingMessage, Posted, Sender, SendError
from jobs.staff_queue import (
    NOT_URGENT_LAG,
    TOPIC_RECHECK,
    TOPIC_RECHECK_MAX,
    TopicTracker,
    group_order,
    urgent,
    waiting_for_topic,
)
from storage.outbox import ClaimedMessage, Outbox
from storage.pacing import SlotGrant

log = logging.getLogger(__name__)

Scheduled = list[tuple[float, ClaimedMessage]]  # (slot in epoch seconds, message)


class Dispatcher:
    """Sends a claimed batch within the limits and keeps a decision for every message.

    Each chunk (about `chunk_seconds` of sends, at most one message per chat when per-chat
    spacing is on) has its patients' and enrollments' statuses read again, then gets its
    slots reserved; each send starts at its slot without waiting for earlier answers (at
    most `max_in_flight` at once, across passes). Every result goes through `decide()`.

    A chat known to be held (granted a slot, or refused one, earlier in this process) is
    not asked for again until it is free: its messages are deferred to then at once, so a
    queue of 300 staff posts for a group that takes one every 3 s costs one claim and one
    outcome write per pass, not a reservation per post. They all come back at the same
    time and go in id order (claim order): a case's posts never overtake each other. A
    post for a patient's forum topic that is being made waits for that send.
    """

    def __init__(
        self,
        *,
        outbox: Outbox,
        sender: Sender,
        pacer: Pacer,
        checks: SendChecks,
        outcomes: OutcomeBuffer,
        counters: DeliveryCounters,
        clock: Clock,
        max_attempts: int,
        backoff: Backoff,
        rng: random.Random,
        max_in_flight: int,
        lease_margin: timedelta,
    ) -> None:
        self._outbox = outbox
        self._sender = sender
        self._pacer = pacer
        self._checks = checks
        self._outcomes = outcomes
        self._counters = counters
        self._clock = clock
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._rng = rng
        self._max_in_flight = max_in_flight
        self._lease_margin = lease_margin
        self.in_flight: set[asyncio.Task[None]] = set()
        self.paused_until = 0.0  # epoch s: end of the last 429 pause this process set
        self._rate_limited = False  # a 429 in this pass: start no further send
        self._busy: dict[int, float] = {}  # chat -> epoch s it is free again, as far as known
        self._group_holds: dict[int, float] = {}  # message id -> its group's hold value
        self._topics = TopicTracker()

    def begin_pass(self) -> None:
        """Forget the previous pass's 403s and 429."""
        self._checks.blocked.clear()
        self._rate_limited = False
        now = self._clock.now().timestamp()
        self._busy = {chat: free for chat, free in self._busy.items() if free > now}
        self._topics.begin_pass()

    async def settle(self) -> None:
        """Wait until every send in flight has been answered (and its decision kept)."""
        if self.in_flight:
            await asyncio.gather(*self.in_flight, return_exceptions=True)

    # --- the batch ----------------------------------------------------------------------

    async def deliver(self, batch: Sequence[ClaimedMessage]) -> None:
        """Send `batch`, chunk by chunk; what cannot go out in time is given back."""
        now = self._clock.now()
        self._topics.begin_batch(batch)
        queue = deque(m for m in group_order(batch) if self._may_send(m, now))
        first = True  # its statuses were read by the claim a moment ago
        while queue:
            now = self._clock.now()
            if now >= queue[0].lease_expires_at - self._lease_margin:
                self._give_back(queue)  # someone else may have them soon anyway
                return
            chunk = self._take_chunk(queue, now)
            if not first:
                chunk = await self._still_wanted(chunk, now)
            first = False
            if not chunk:
                continue
            await self._send_chunk(chunk, queue, now)
            if self._rate_limited and not await self._wait_out_pause(queue, now):
                return

    def _take_chunk(
        self, queue: deque[ClaimedMessage], now: datetime
    ) -> list[ClaimedMessage]:
        """The next chunk off `queue`, at most one message per chat when chats are spaced.

        A chat's other messages stay queued (in order) and are deferred once the chunk's
        grant says when the chat is free, so every chunk fills its slots; a chat already
        known to be held is deferred without asking.
        """
        policy = self._pacer.policy
        chunk: list[ClaimedMessage] = []
        waiting: list[ClaimedMessage] = []
        chats: set[int] = set()
        while queue and len(chunk) < policy.chunk_size:
            message = queue.popleft()
            spacing = policy.spacing_for(message.chat_id)
            free = self._busy.get(message.chat_id, 0.0)
            if spacing > 0 and free > now.timestamp():
                self._wait_for_chat(message, free, now)
            elif spacing > 0 and message.chat_id in chats:
                waiting.append(message)
            else:
                chats.add(message.chat_id)
                chunk.append(message)
        queue.extendleft(reversed(waiting))
        return chunk

    async def _still_wanted(
        self, chunk: list[ClaimedMessage], now: datetime
    ) -> list[ClaimedMessage]:
        """The chunk minus what was stopped, forgotten or cancelled since it was claimed.

        Statuses are read again for every chunk after the first (whose statuses the claim
        has just read), so a /stop, /forget or staff cancel that is committed while a batch
        is being sent holds back every chunk read after it.
        """
        return [m for m in await self._outbox.refresh(chunk) if self._may_send(m, now)]

    async def _send_chunk(
        self, chunk: list[ClaimedMessage], queue: deque[ClaimedMessage], now: datetime
    ) -> None:
        """Reserve slots for `chunk` and send it; what was not started goes back on `queue`."""
        grant = await self._pacer.reserve([m.chat_id for m in chunk])
        unsent = await self._send_scheduled(self._schedule(chunk, grant, now))
        if unsent:
            # Free the chats we held for them, then take them again with new slots.
            holds = {m.chat_id: grant.holds[m.chat_id] for m in unsent
                     if m.chat_id in grant.holds}
            await self._pacer.unhold(holds, grant.start)
            for message in unsent:
                self._group_holds.pop(message.id, None)
                self._busy.pop(message.chat_id, None)
            queue.extendleft(reversed(unsent))

    def _schedule(
        self, chunk: list[ClaimedMessage], grant: SlotGrant, now: datetime
    ) -> Scheduled:
        """A slot for each message whose chat was granted; the others wait for their chat."""
        policy = self._pacer.policy
        granted = set(grant.granted)
        scheduled: Scheduled = []
        for message in chunk:
            chat = message.chat_id
            spacing = policy.spacing_for(chat)
            if chat in granted or spacing == 0:
                slot = grant.start + len(scheduled) * grant.interval
                scheduled.append((slot, message))
                if spacing > 0:
                    self._busy[chat] = slot + spacing
                if chat < 0 and chat in grant.holds:
                    self._group_holds[message.id] = grant.holds[chat]
            else:
                free = grant.deferred.get(chat, now.timestamp() + spacing)
                if chat < 0:
                    # Held until its send in flight is answered: look again in a spacing.
                    free = min(free, now.timestamp() + spacing)
                self._busy[chat] = free
                self._wait_for_chat(message, free, now)
        return scheduled

    async def _wait_out_pause(self, queue: deque[ClaimedMessage], now: datetime) -> bool:
        """After a 429: wait the pause out if it ends before our lease does, keeping the
        leased messages (True: go on); otherwise give them back (False: the pass is over)."""
        self._rate_limited = False
        lease_left = queue[0].lease_expires_at - self._lease_margin if queue else now
        if not queue or at_epoch(self.paused_until) >= lease_left:
            self._give_back(queue)
            return False
        await self._pacer.wait_until(self.paused_until)
        return True

    def _give_back(self, messages: Iterable[ClaimedMessage]) -> None:
        """Leased messages back to pending untouched, for this or another process's pass."""
        now = self._clock.now()
        for message in messages:
            self._keep(NotStarted(), message, now)

    # --- sending ------------------------------------------------------------------------

    async def _send_scheduled(self, scheduled: Scheduled) -> list[ClaimedMessage]:
        """Start each send at its slot without waiting for the one before to answer.

        Sends overlap because a Bot API round trip can take longer than the gap between
        slots: waiting for each answer would cap the rate at 1/latency, and waiting for a
        chunk's slowest answer (a timeout) would stall everything behind it. Stops at a 429
        or when running too late; returns the messages not started.
        """
        policy = self._pacer.policy
        unsent: list[ClaimedMessage] = []
        shift = 0.0  # how far this chunk's remaining slots were moved back (busy loop)
        for index, (slot, message) in enumerate(scheduled):
            await self._outcomes.flush()  # while waiting for the slot, not after the send
            if not self._rate_limited:
                late = await self._pacer.wait_until(slot + shift)
                if late > policy.late_tolerance:
                    shift += late
            if self._rate_limited or shift > policy.max_shift:
                unsent = [m for _, m in scheduled[index:]]
                break
            while len(self.in_flight) >= self._max_in_flight:
                await asyncio.wait(self.in_flight, return_when=asyncio.FIRST_COMPLETED)
            task = asyncio.create_task(self._send_one(message))
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)
            if message.kind == MessageKind.TOPIC_OPEN:
                self._topics.sending(message, task)
            await asyncio.sleep(0)  # let the send start now, at its slot
        if shift > 0 and scheduled:
            await self._pacer.extend(scheduled[-1][0] + shift + policy.interval)
        return unsent

    async def _send_one(self, message: ClaimedMessage) -> None:
        """Send and keep the decision; a group's hold is released when it is answered."""
        try:
            if message.thread_id == TOPIC_PENDING:  # a staff post for a topic being made
                message = await self._topics.into_topic(message)
                now = self._clock.now()
                if waiting_for_topic(message, now):
                    # Its topic was not made here after all (given back, failed): look again.
                    self._keep(ChatBusy(free_at=now + TOPIC_RECHECK_MAX), message, now)
                    return
            await self._send_checked(message)
        finally:
            held = self._group_holds.pop(message.id, None)
            if message.kind == MessageKind.TOPIC_OPEN:
                self._topics.done(message)
            if held is not None:
                try:
                    await self._pacer.release_group(message.chat_id, held)
                except Exception as db_error:  # the hold runs out by itself
                    log.warning("delivery: could not free group after message %d (%s)",
                                message.id, type(db_error).__name__)

    async def _send_checked(self, message: ClaimedMessage) -> None:
        """Check once more, send, and keep the decision on Telegram's answer."""
        now = self._clock.now()
        if not self._may_send(message, now):
            return
        event: Event
        try:
            answer = await self._sender.send(_outgoing(message))
        except Exception as error:  # classified by decide(); nothing may lose the message
            if not isinstance(error, SendError):
                log.warning("delivery: unexpected %s from sender for message %d",
                            type(error).__name__, message.id)
            event = SendFailed(error=error, at=self._clock.now())
        else:
            posted: tuple[int, ...] = ()
            if isinstance(answer, Posted):
                telegram_id, posted = answer.message_ids[0], answer.message_ids
            else:
                telegram_id = answer
            event = Delivered(telegram_message_id=telegram_id, at=self._clock.now(),
                              posted=posted if len(posted) > 1 else ())
            if message.kind == MessageKind.TOPIC_OPEN:
                self._topics.made(message, telegram_id)
            self._counters.last_lag_seconds = (event.at - message.available_at).total_seconds()
        decision = self._keep(event, message, now)
        if decision.pause_until is not None:
            await self._pacer.pause_until(decision.pause_until.timestamp())
        if decision.chat_unreachable:
            try:
                await self._outbox.mark_unreachable(
                    patient_id=message.patient_id, chat_id=message.chat_id, now=now,
                    reason="chat unreachable",
                )
            except Exception as db_error:  # the next 403 from this chat tries again
                log.warning("delivery: could not mark chat of message %d unreachable (%s)",
                            message.id, type(db_error).__name__)

    # --- decisions ----------------------------------------------------------------------

    def _may_send(self, message: ClaimedMessage, now: datetime) -> bool:
        """Whether the send-time checks let `message` go now; if not, keep their decision."""
        finding: Event | None = self._checks.check(message, now)
        if finding is None and message.thread_id == TOPIC_PENDING and self._topics.waits(
                message, now):
            busy = self._busy.get(message.chat_id, 0.0)
            if busy > now.timestamp():
                # Its topic waits for the group too (deferred there): come back with it.
                self._wait_for_chat(message, busy, now)
                return False
            spacing = timedelta(seconds=self._pacer.policy.spacing_for(message.chat_id))
            finding = ChatBusy(free_at=now + min(max(spacing, TOPIC_RECHECK), TOPIC_RECHECK_MAX))
        if finding is None:
            return True
        self._keep(finding, message, now)
        return False

    def _wait_for_chat(self, message: ClaimedMessage, free: float, now: datetime) -> None:
        """Keep `message` for when its chat is free; a group's posts not about a red flag a
        moment later, so that the next claim takes every red flag's first (group_order)."""
        first = message.chat_id > 0 or urgent(message)
        self._keep(ChatBusy(free_at=at_epoch(free if first else free + NOT_URGENT_LAG)),
                   message, now)

    def _keep(self, event: Event, message: ClaimedMessage, now: datetime) -> Decision:
        """Decide, keep the outcome, and note at once what must hold for later sends.

        No await here: a 429 must stop further sends before anything else runs.
        """
        decision = decide(event, message, now=now, max_attempts=self._max_attempts,
                          backoff=self._backoff, jitter=self._rng.random())
        self._outcomes.keep(decision.outcome(message.id, message.kind))
        # A topic_open decided (sent, failed, or put off until its group is free): posts
        # for that topic no longer count on it in this pass; put off, they wait with it.
        if message.kind == MessageKind.TOPIC_OPEN:
            self._topics.done(message)
        if decision.transient:
            self._counters.transient_errors += 1
        if decision.pause_until is not None:
            self._counters.rate_limited += 1
            self._rate_limited = True
            self.paused_until = max(self.paused_until, decision.pause_until.timestamp())
        if decision.chat_unreachable:
            self._checks.blocked.add(message.chat_id)
        return decision


def _outgoing(message: ClaimedMessage) -> OutgoingMessage:
    copy_from = (
        None if message.copy_from_chat_id is None or message.copy_message_id is None
        else (message.copy_from_chat_id, message.copy_message_id)
    )
    # A photo check-in's copy carries the answers as its caption: photo and answers in
    # one post (services/photo_checkins.py); other copies keep the patient's own caption.
    captioned = message.kind == MessageKind.COPY and message.step_id == PHOTO_POST_STEP
    return OutgoingMessage(message_id=message.id, chat_id=message.chat_id, text=message.text,
                           kind=message.kind, options=message.options, case_id=message.case_id,
                           case_status=message.case_status,
                           # Still TOPIC_PENDING after TOPIC_WAIT: the chat itself.
                           thread_id=message.thread_id or None,
                           reply_to=message.reply_to_message_id,
                           copy_from=copy_from, caption=message.text if captioned else None,
                           copy_more=tuple(i for i in message.copy_message_ids
                                           if i != message.copy_message_id))
