"""Benchmark 6: a burst against Telegram's limits (issue 4).

3,000 messages due at once to 1,000 chats (each chat's three messages consecutive in the
outbox), the fake Bot API in its own process enforcing 30/s overall and 1/s per chat, the
engine set to 30/s. Figures: completion time / the floor (3,000 / 30 = 100 s), the fake's
429 count, and the most sends it saw in any 1 s (overall and per chat).

    .venv/bin/python -m bench.delivery_burst [--messages 3000 --chats 1000 --rate 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from datetime import UTC, datetime

from telegram import Bot
from telegram.request import HTTPXRequest

from bench.delivery_common import database, wait_sent
from bot.sender import TelegramSender
from jobs.delivery import DeliveryWorker
from jobs.runner import run_worker
from storage.outbox import Outbox
from storage.system_clock import SystemClock
from testkit.delivery_support import fast_settings, fresh_engine, seed
from testkit.fakes.bot_api import DEFAULT_TOKEN


async def burst(url: str, api_url: str, messages: int, chats: int, rate: float) -> float:
    engine = await fresh_engine(url)
    now = datetime.now(UTC)
    await seed(engine, messages, chats=chats, due=now, created=now, grouped=True)
    settings = fast_settings(rate_per_second=rate, per_chat_seconds=1.0, lease_seconds=60,
                         batch_size=200, poll_seconds=5)
    async with Bot(DEFAULT_TOKEN, base_url=f"{api_url}/bot",
                   request=HTTPXRequest(connection_pool_size=8)) as bot:
        worker = DeliveryWorker(outbox=Outbox(engine), sender=TelegramSender(bot),
                                settings=settings, clock=SystemClock())
        stop = asyncio.Event()
        started = time.monotonic()
        runner = asyncio.create_task(run_worker(worker, poll_seconds=5, stop_event=stop))
        elapsed = await wait_sent(engine, messages, interval=0.1) - started
        stop.set()
        await runner
    print(f"  engine counters: {worker.counters}")
    await engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=30)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.delivery_fake_server", "--global", str(int(args.rate)),
         "--per-chat", "1"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert server.stdout is not None
    api_url = server.stdout.readline().split()[0].removeprefix("url=")
    try:
        with database("sqlite") as url:
            elapsed = asyncio.run(burst(url, api_url, args.messages, args.chats, args.rate))
    finally:
        out, _ = server.communicate("", timeout=60)
    stats = json.loads(out.split("stats ", 1)[1])
    floor = args.messages / args.rate
    print(f"burst: {args.messages:,} messages to {args.chats:,} chats at {args.rate:g}/s")
    print(f"  completion {elapsed:.1f} s; floor {floor:.1f} s; ratio {elapsed / floor:.3f} "
          f"(target <= 1.05)")
    print(f"  fake API: sent {stats['sent']:,}, 429s {stats['too_many_requests']} (target 0), "
          f"max in any 1 s {stats['max_global_1s']} overall / {stats['max_per_chat_1s']} per "
          f"chat, duplicates {stats['duplicates']}")


if __name__ == "__main__":
    main()
