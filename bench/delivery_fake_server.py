"""The fake Bot API in a process of its own, so a benchmark's client has a core to itself.

Prints `url=<root> pid=<pid>`, then serves until stdin closes. Limits: `--global N`,
`--per-chat N` (0 = off). On exit prints `stats <json>` (sends, 429s, max in 1 s...).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from testkit.fakes.bot_api import FakeBotApi


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--global", dest="global_rate", type=int, default=0)
    parser.add_argument("--per-chat", type=int, default=0)
    args = parser.parse_args()
    async with FakeBotApi() as api:
        api.limits.global_per_second = args.global_rate or None
        api.limits.per_chat_per_second = args.per_chat or None
        print(f"url={api.url} pid={os.getpid()}", flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)  # until the benchmark closes it
        stats = api.stats
        times = [t for t, _ in stats.send_times()]
        print("stats " + json.dumps({
            "sent": stats.sent_count,
            "too_many_requests": stats.too_many_requests,
            "max_global_1s": stats.max_global_in_window(),
            "max_per_chat_1s": stats.max_per_chat_in_window(),
            "duplicates": len(stats.duplicates()),
            "first": min(times, default=0.0),
            "last": max(times, default=0.0),
        }), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
