"""Benchmark 5: delivery throughput, due -> sent -> recorded (issue 4).

Zero-latency sender (every send succeeds at once) in worker processes: SQLite with one,
PostgreSQL with 1, 2 and 4. Baseline in the same run: the same queries one message at a
time (claim 1, send, record 1). Then the full stack: PTB's real HTTP client against the fake
Bot API (its own process) on loopback, sends overlapping vs one at a time.

    .venv/bin/python -m bench.delivery_throughput [--messages 20000] [--repetitions 3]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Bot
from telegram.request import HTTPXRequest

from bench.delivery_common import database, median_of, spawn_worker, stop_workers, wait_sent
from bot.sender import TelegramSender
from jobs.delivery import DeliveryWorker
from jobs.pacing import PacingPolicy
from jobs.sender import NullSender
from storage.outbox import Outbox
from storage.system_clock import SystemClock
from testkit.delivery_support import fast_settings, fresh_engine, seed
from testkit.fakes.bot_api import DEFAULT_TOKEN

LEAD = timedelta(seconds=8)  # workers start, import and connect before the burst is due
UNPACED = PacingPolicy(rate_per_second=1e6, per_chat_seconds=0, late_seconds=1e9,
                       max_shift_seconds=1e9)


async def engine_rate(url: str, workers: int, messages: int, batch: int) -> float:
    """Messages/s from the due time to the last one recorded sent."""
    engine = await fresh_engine(url)
    due, due_monotonic = datetime.now(UTC) + LEAD, time.monotonic() + LEAD.total_seconds()
    await seed(engine, messages, due=due, created=due)
    procs = [spawn_worker(url, "file:/dev/null", "--unpaced", "--rate", "1000000",
                          "--batch", str(batch), "--lease", "30", "--poll", "1")
             for _ in range(workers)]
    try:
        done = await wait_sent(engine, messages)
    finally:
        stop_workers(procs)
    elapsed = done - due_monotonic
    await engine.dispose()
    return messages / elapsed


async def one_at_a_time_rate(url: str, messages: int) -> float:
    """Baseline: the engine's own queries with batches of one, in this process."""
    engine = await fresh_engine(url)
    now = datetime.now(UTC)
    await seed(engine, messages, due=now, created=now)
    worker = DeliveryWorker(outbox=Outbox(engine), sender=NullSender(),
                            settings=fast_settings(batch_size=1, rate_per_second=1e6),
                            clock=SystemClock(), policy=UNPACED, flush_count=1)
    started = time.perf_counter()
    for _ in range(messages):
        await worker.run_once()
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return messages / elapsed


async def full_stack_rate(url: str, messages: int, in_flight: int) -> float:
    """PTB + TelegramSender against the fake API in another process, SQLite outbox."""
    server = subprocess.Popen(  # noqa: ASYNC220 - harness set-up, before any timing
        [sys.executable, "-m", "bench.delivery_fake_server"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None
        api_url = server.stdout.readline().split()[0].removeprefix("url=")
        engine = await fresh_engine(url)
        now = datetime.now(UTC)
        await seed(engine, messages, due=now, created=now)
        request = HTTPXRequest(connection_pool_size=in_flight)
        async with Bot(DEFAULT_TOKEN, base_url=f"{api_url}/bot", request=request) as bot:
            worker = DeliveryWorker(
                outbox=Outbox(engine), sender=TelegramSender(bot),
                settings=fast_settings(batch_size=500, rate_per_second=1e6),
                clock=SystemClock(), policy=UNPACED, max_in_flight=in_flight,
            )
            started = time.perf_counter()
            while (next_due := await worker.run_once()) is not None:
                if next_due > datetime.now(UTC) + timedelta(seconds=1):
                    break
            await worker.close()
            elapsed = time.perf_counter() - started
            assert worker.counters.sent == messages, worker.counters
        await engine.dispose()
    finally:
        server.communicate("", timeout=30)
    return messages / elapsed


def measure(kind: str, make: Callable[[str], Coroutine[Any, Any, float]]) -> float:
    """Run one measurement on a fresh database of `kind` (set up outside the event loop)."""
    with database(kind) as url:
        return asyncio.run(make(url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    n, reps, batch = args.messages, args.repetitions, args.batch
    print(f"throughput due -> sent -> recorded, {n:,} messages, batch {batch}, "
          f"median of {reps}")

    rows: list[tuple[str, float, list[float]]] = []
    for kind, workers in (("sqlite", 1), ("postgres", 1), ("postgres", 2), ("postgres", 4)):
        median, runs = median_of(reps, lambda k=kind, w=workers: measure(
            k, lambda url: engine_rate(url, w, n, batch)))
        rows.append((f"engine   {kind:8} {workers} worker(s)", median, runs))
        print(f"  {rows[-1][0]}: {median:8,.0f}/s   runs {[round(r) for r in runs]}",
              flush=True)
    for kind in ("sqlite", "postgres"):
        median, runs = median_of(reps, lambda k=kind: measure(
            k, lambda url: one_at_a_time_rate(url, 1000)))
        print(f"  baseline {kind:8} one message per claim and write: {median:8,.0f}/s   "
              f"runs {[round(r) for r in runs]}", flush=True)
    for label, in_flight in (("full stack, sends overlapping (8) ", 8),
                             ("full stack, one send at a time   ", 1)):
        median, runs = median_of(reps, lambda f=in_flight: measure(
            "sqlite", lambda url: full_stack_rate(url, 3000, f)))
        print(f"  {label}: {median:8,.0f}/s per process   runs {[round(r) for r in runs]}",
              flush=True)


if __name__ == "__main__":
    main()
