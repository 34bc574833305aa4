"""The naive design benchmark 8 compares with: one PTB JobQueue.run_once job per message.

Run by bench/delivery_memory.py in a process of its own: reads DATABASE_URL's pending
messages and schedules one job each, then prints `jobs=N seconds=S peak_rss_kib=K`.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from telegram.ext import ApplicationBuilder, CallbackContext

from storage.database import create_engine
from storage.outbox import MESSAGES
from testkit.delivery_worker_process import peak_rss_kib
from testkit.fakes.bot_api import DEFAULT_TOKEN


async def send(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Would send the message whose id is the job's data (never reached here)."""


async def main(url: str) -> None:
    application = ApplicationBuilder().token(DEFAULT_TOKEN).build()
    job_queue = application.job_queue
    assert job_queue is not None
    await job_queue.start()
    started = time.perf_counter()
    engine = create_engine(url)
    async with engine.connect() as conn:
        result = await conn.execute(
            select(MESSAGES.c.id, MESSAGES.c.available_at).where(MESSAGES.c.status == "pending")
        )
        now = datetime.now(UTC)
        count = 0
        for message_id, available_at in result:
            job_queue.run_once(send, when=max(available_at, now), data=message_id,
                               name=f"message-{message_id}")
            count += 1
    seconds = time.perf_counter() - started
    await engine.dispose()
    await job_queue.stop(wait=False)
    peak = peak_rss_kib()
    print(f"jobs={count} seconds={seconds:.2f} peak_rss_kib={peak}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
