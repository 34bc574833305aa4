"""Delivery engine, stopping: a patient's /stop in the middle of a batch, and close()."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FakeClock
from jobs.pacing import Sleep
from jobs.sender import OutgoingMessage
from storage.outbox import PATIENTS
from testkit.delivery_support import T0, rows, seed
from tests.integration.test_delivery import drain, make_worker


class StoppingSender:
    """Succeeds, and on its `stop_at`-th send stops the patient (as /stop would, mid-batch).

    The stop is written while that send is in flight, concurrently with the engine, which
    does not wait for answers before starting later sends or reading the next chunk.
    """

    def __init__(self, engine: AsyncEngine, stop_at: int) -> None:
        self.engine = engine
        self.stop_at = stop_at
        self.sent: list[OutgoingMessage] = []
        self.stop: asyncio.Task[None] | None = None
        self.sends_when_stopped: int | None = None  # sends started once the stop committed

    async def send(self, message: OutgoingMessage) -> int:
        self.sent.append(message)
        if len(self.sent) == self.stop_at:
            self.stop = asyncio.create_task(self._stop())
            await self.stop
        return len(self.sent)

    async def _stop(self) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(PATIENTS).values(status="stopped"))
        self.sends_when_stopped = len(self.sent)


def sleep_after_the_stop(clock: FakeClock, sender: StoppingSender) -> Sleep:
    """The fake sleep, except that fake time does not move on while the stop is written.

    A real /stop commits within milliseconds, long before the next slot (0.1 s at 10/s);
    a plain fake sleep lets the engine run through several slots in no real time while
    the commit is still on its way, which makes where the stop lands a race.
    """

    async def sleep(seconds: float) -> None:
        if sender.stop is not None:
            await sender.stop
        clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)

    return sleep


async def test_a_stop_during_a_batch_holds_back_the_rest_of_it(engine: AsyncEngine) -> None:
    """/stop committed during the first chunk of a claimed batch: nothing after it is sent."""
    clock = FakeClock(T0)
    await seed(engine, 40, chats=1)
    sender = StoppingSender(engine, stop_at=2)
    worker = make_worker(engine, clock, sender, sleep=sleep_after_the_stop(clock, sender),
                         rate_per_second=10, lease_seconds=60)
    chunk = worker.pacer.policy.chunk_size
    assert worker.batch_limit >= 40 > 2 * chunk  # one claim holds the whole burst
    await drain(worker, clock)
    await worker.close()
    stored = await rows(engine)
    assert len(sender.sent) <= chunk
    assert sum(r.status == "sent" for r in stored) == len(sender.sent)
    assert {r.status for r in stored} == {"sent", "cancelled"}


@pytest.mark.parametrize("stop_at", [1, 2, 4, 5])
async def test_after_a_stop_commits_at_most_one_chunk_goes_out(
    engine: AsyncEngine, stop_at: int
) -> None:
    """Wherever the stop's commit lands, at most one chunk (read before it) goes out after it."""
    clock = FakeClock(T0)
    await seed(engine, 40, chats=1)
    sender = StoppingSender(engine, stop_at=stop_at)
    worker = make_worker(engine, clock, sender, rate_per_second=10, lease_seconds=60)
    chunk = worker.pacer.policy.chunk_size
    await drain(worker, clock)
    await worker.close()
    stored = await rows(engine)
    assert sender.sends_when_stopped is not None
    assert len(sender.sent) - sender.sends_when_stopped <= chunk
    assert sum(r.status == "sent" for r in stored) == len(sender.sent)
    # The commit may land after the whole batch went out (SQLite: the stop waits for the
    # write lock), so nothing need be cancelled; whatever was not sent is.
    assert {r.status for r in stored} <= {"sent", "cancelled"}


class HeldSender:
    """Every send waits until the test lets it answer."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = 0

    async def send(self, message: OutgoingMessage) -> int:
        self.started += 1
        await self.release.wait()
        return message.message_id + 1000


async def test_close_waits_for_sends_in_flight_and_records_them(engine: AsyncEngine) -> None:
    """A pass returns with sends still in flight; close() waits and records them as sent."""
    clock = FakeClock(T0)
    await seed(engine, 3)
    sender = HeldSender()
    worker = make_worker(engine, clock, sender)
    await worker.run_once()
    assert sender.started == 3
    assert {r.status for r in await rows(engine)} == {"sending"}
    asyncio.get_running_loop().call_later(0.05, sender.release.set)
    await worker.close()
    stored = await rows(engine)
    assert [r.status for r in stored] == ["sent"] * 3
    assert [r.telegram_message_id for r in stored] == [r.id + 1000 for r in stored]
