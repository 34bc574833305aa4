"""Benchmark 7: delivery latency under light load (issue 4).

Messages due at random times over `--spread` seconds (light load: a few a second), one
worker with the production poll interval (5 s) and rate (25/s), a zero-latency sender,
SQLite. Figures: p50 / p99 / max of (sent_at - due_at). Baseline in the same run: the
same worker woken only by the poll (no wake-up at the next due time).

    .venv/bin/python -m bench.delivery_latency [--messages 150 --spread 30]
"""

from __future__ import annotations

import argparse
import asyncio
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, update

from bench.delivery_common import database, percentile
from jobs.delivery import DeliveryWorker
from jobs.runner import run_worker
from jobs.sender import NullSender
from storage.outbox import MESSAGES, Outbox
from storage.system_clock import SystemClock
from testkit.delivery_support import fast_settings, fresh_engine, rows, seed

POLL = 5.0


async def latencies(url: str, messages: int, spread: float, wake_at_due: bool) -> list[float]:
    engine = await fresh_engine(url)
    start = datetime.now(UTC) + timedelta(seconds=2)
    await seed(engine, messages, due=start, created=start)
    rng = random.Random(7)
    dues = [start + timedelta(seconds=rng.uniform(0, spread)) for _ in range(messages)]
    async with engine.begin() as conn:
        await conn.execute(
            update(MESSAGES).where(MESSAGES.c.id == bindparam("b_id"))
            .values(due_at=bindparam("b_due"), available_at=bindparam("b_due"),
                    expires_at=None),
            [{"b_id": i + 1, "b_due": due} for i, due in enumerate(dues)],
        )
    settings = fast_settings(rate_per_second=25, per_chat_seconds=1, poll_seconds=POLL,
                             batch_size=200, lease_seconds=60)
    worker = DeliveryWorker(outbox=Outbox(engine), sender=NullSender(), settings=settings,
                            clock=SystemClock())
    stop = asyncio.Event()
    if wake_at_due:
        runner = asyncio.create_task(run_worker(worker, poll_seconds=POLL, stop_event=stop))
    else:
        async def poll_only() -> None:
            while not stop.is_set():
                await worker.run_once()
                await asyncio.sleep(POLL)
        runner = asyncio.create_task(poll_only())
    await asyncio.sleep(spread + 2 + POLL + 1)
    stop.set()
    await runner
    done = [r for r in await rows(engine) if r.status == "sent"]
    await engine.dispose()
    assert len(done) == messages, f"only {len(done)} of {messages} sent"
    return [(r.sent_at - r.due_at).total_seconds() for r in done]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=150)
    parser.add_argument("--spread", type=float, default=30.0)
    args = parser.parse_args()
    print(f"latency sent - due: {args.messages} messages at random times over "
          f"{args.spread:g} s, poll {POLL:g} s")
    runs = (("engine (wakes at next due)", True), ("baseline (poll only)      ", False))
    for label, wake in runs:
        with database("sqlite") as url:
            values = asyncio.run(latencies(url, args.messages, args.spread, wake))
        print(f"  {label}: p50 {percentile(values, 0.5) * 1000:7.0f} ms   "
              f"p99 {percentile(values, 0.99) * 1000:7.0f} ms   max {max(values) * 1000:7.0f} ms",
              flush=True)


if __name__ == "__main__":
    main()
