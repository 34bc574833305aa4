"""Benchmark 8: memory of the delivery process vs the size of the outbox (issue 4).

A worker process (file sender to /dev/null, 1,000/s) runs for `--seconds` against an
SQLite outbox holding 1,000, then 1,000,000 pending messages due now; its peak RSS is
compared (target: within 10%). Side by side, the naive design: one PTB JobQueue.run_once
job per message, loaded from an outbox of 100,000 (its RSS and start-up time).

    .venv/bin/python -m bench.delivery_memory [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from bench.delivery_common import ROOT, database, spawn_worker, stop_workers
from storage.outbox import MESSAGES, PATIENTS
from testkit.delivery_support import fresh_engine

CHATS = 1000


async def fill(url: str, count: int) -> float:
    """`count` pending messages due now over CHATS patients, inserted in chunks."""
    engine = await fresh_engine(url)
    now = datetime.now(UTC)
    started = time.perf_counter()
    async with engine.begin() as conn:
        await conn.execute(insert(PATIENTS), [
            {"id": i + 1, "chat_id": 5000 + i, "language": "en", "timezone": "Asia/Kolkata",
             "status": "active", "created_at": now} for i in range(CHATS)])
        for begin in range(0, count, 20_000):
            await conn.execute(insert(MESSAGES), [
                {"patient_id": 1 + n % CHATS, "chat_id": 5000 + n % CHATS,
                 "step_id": f"s{n}", "occurrence": 0, "kind": "reminder",
                 "text": f"Reminder {n}: keep the treated area clean and dry today.",
                 "due_at": now, "available_at": now, "expires_at": now + timedelta(days=1),
                 "status": "pending", "attempts": 0, "created_at": now,
                 "moved_by_quiet_hours": False, "respects_quiet_hours": True}
                for n in range(begin, min(count, begin + 20_000))])
    if engine.dialect.name == "sqlite":
        # An outbox that grew over months has no giant un-checkpointed WAL; without this
        # the worker's first write would fold this bulk load into the database file.
        async with engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    await engine.dispose()
    return time.perf_counter() - started


def engine_rss(count: int, seconds: float) -> tuple[int, int]:
    """(peak RSS KiB, messages sent) of a worker running `seconds` on `count` pending."""
    with database("sqlite") as url:
        fill_seconds = asyncio.run(fill(url, count))
        print(f"  ({count:,} rows written in {fill_seconds:.0f} s)", flush=True)
        proc = spawn_worker(url, "file:/dev/null", "--rate", "1000", "--batch", "200",
                            "--lease", "60", "--poll", "1")
        time.sleep(seconds)
        (out,) = stop_workers([proc])
    fields = dict(part.split("=") for part in out.split() if "=" in part)
    return int(fields["peak_rss_kib"]), int(fields["sent"])


def jobqueue_baseline(count: int) -> str:
    with database("sqlite") as url:
        asyncio.run(fill(url, count))
        result = subprocess.run(
            [sys.executable, "-m", "bench.delivery_jobqueue_baseline", url],
            cwd=ROOT, capture_output=True, text=True, timeout=900, check=True,
        )
    return result.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--baseline-jobs", type=int, default=100_000)
    args = parser.parse_args()
    print("memory of the delivery process (peak RSS)")
    small, small_sent = engine_rss(1_000, args.seconds)
    print(f"  engine,     1,000 pending: {small / 1024:6.1f} MiB (sent {small_sent:,})",
          flush=True)
    large, large_sent = engine_rss(args.large, args.seconds)
    print(f"  engine, {args.large:,} pending: {large / 1024:6.1f} MiB (sent {large_sent:,}); "
          f"ratio {large / small:.3f} (target <= 1.10)", flush=True)
    baseline = dict(part.split("=") for part in jobqueue_baseline(args.baseline_jobs).split())
    print(f"  baseline, JobQueue.run_once per message, {int(baseline['jobs']):,} jobs: "
          f"{int(baseline['peak_rss_kib']) / 1024:6.1f} MiB, start-up "
          f"{float(baseline['seconds']):.1f} s to schedule them")


if __name__ == "__main__":
    main()
