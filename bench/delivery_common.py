"""Shared pieces of the delivery benchmarks (run as `python -m bench.<name>` from the root)."""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from testkit.delivery_support import statuses

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A scratch SQLite file or PostgreSQL database URL, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite+aiosqlite:///{folder}/bench.db"
        return
    from testkit.postgres import scratch_database

    with scratch_database() as url:
        yield url


def spawn_worker(url: str, sender: str, *extra: str) -> subprocess.Popen[str]:
    """A delivery worker process (testkit/delivery_worker_process.py)."""
    return subprocess.Popen(
        [sys.executable, "-m", "testkit.delivery_worker_process", url, sender, *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def stop_workers(procs: list[subprocess.Popen[str]]) -> list[str]:
    """SIGTERM every worker and return what each printed."""
    for proc in procs:
        proc.terminate()
    return [proc.communicate(timeout=60)[0] for proc in procs]


async def wait_sent(engine: AsyncEngine, total: int, *, limit_seconds: float = 600,
                    interval: float = 0.05) -> float:
    """Poll until `total` messages are sent; returns time.monotonic() at that moment.

    The poll counts sent rows with a query an index serves on every schema since the
    outbox was made (`status` leads the claim index before migration 0013, the finished
    index after it): a GROUP BY over every status scans the whole table on today's
    schema, twenty times a second, and would tax the worker it is timing.
    """
    deadline = time.monotonic() + limit_seconds
    while await sent_count(engine) < total:
        if time.monotonic() > deadline:
            raise TimeoutError(f"not all {total} sent: {dict(await statuses(engine))}")
        await asyncio.sleep(interval)
    return time.monotonic()


async def sent_count(engine: AsyncEngine) -> int:
    """How many messages are recorded sent (every sent row has its finished_at)."""
    async with engine.connect() as conn:
        return int(await conn.scalar(_SENT) or 0)


_SENT = text("SELECT count(*) FROM scheduled_messages "
             "WHERE status = 'sent' AND finished_at IS NOT NULL")


def median_of(runs: int, measure: Callable[[], float]) -> tuple[float, list[float]]:
    """The median of `runs` measurements, and all of them."""
    values = [measure() for _ in range(runs)]
    return statistics.median(values), values


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]
