"""A delivery worker process for the crash and multi-worker tests (run with `python -m`).

Usage: python -m testkit.delivery_worker_process DATABASE_URL SENDER [options]
SENDER is `file:PATH` (append each sent message id to PATH with one write(2) per send, so a
kill -9 loses nothing already sent) or `telegram:API_URL` (PTB against the fake Bot API).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import signal

from app.settings import DatabaseSettings, Settings
from app.worker import run_delivery_forever
from jobs.pacing import PacingPolicy
from jobs.sender import OutgoingMessage, Sender
from services.config import StaffSettings
from storage.system_clock import SystemClock
from testkit.delivery_support import fast_settings


class FileSender:
    """Records each send as a line `<message id>\\n`, written straight to the file."""

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._next = 0

    async def send(self, message: OutgoingMessage) -> int:
        os.write(self._fd, f"{message.message_id}\n".encode())
        self._next += 1
        return self._next


def peak_rss_kib() -> int:
    """This process's peak RSS. Linux VmHWM belongs to the current program image, whereas
    ru_maxrss also remembers the parent's size copied at fork (before exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("sender")
    parser.add_argument("--rate", type=float, default=100_000)
    parser.add_argument("--per-chat", type=float, default=0.0)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--lease", type=float, default=3.0)
    parser.add_argument("--alert-chat", type=int, default=None)
    parser.add_argument("--margin", type=float, default=None)
    parser.add_argument("--unpaced", action="store_true",
                        help="no lateness handling: for zero-latency throughput runs")
    parser.add_argument("--poll", type=float, default=0.2)
    args = parser.parse_args()

    settings = Settings.model_construct(
        database=DatabaseSettings(url=args.database_url),
        delivery=fast_settings(rate_per_second=args.rate, per_chat_seconds=args.per_chat,
                               batch_size=args.batch, lease_seconds=args.lease,
                               poll_seconds=args.poll),
        staff=StaffSettings(alert_chat_id=args.alert_chat),
        clinic=Settings().clinic,
    )
    policy = None
    if args.margin is not None or args.unpaced:
        policy = PacingPolicy(
            rate_per_second=args.rate, per_chat_seconds=args.per_chat,
            margin=0.03 if args.margin is None else args.margin,
            late_seconds=1e9 if args.unpaced else None,
            max_shift_seconds=1e9 if args.unpaced else None,
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    kind, _, target = args.sender.partition(":")
    if kind == "file":
        sender: Sender = FileSender(target)
        worker = await run_delivery_forever(settings, sender=sender, clock=SystemClock(),
                                            stop_event=stop, policy=policy)
        peak_kib = peak_rss_kib()
        print(f"sent={worker.counters.sent} peak_rss_kib={peak_kib}", flush=True)
        return
    from telegram import Bot
    from telegram.request import HTTPXRequest

    from bot.sender import TelegramSender
    from testkit.fakes.bot_api import DEFAULT_TOKEN

    request = HTTPXRequest(connection_pool_size=64, read_timeout=2, pool_timeout=5)
    async with Bot(DEFAULT_TOKEN, base_url=f"{target}/bot", request=request) as bot:
        worker = await run_delivery_forever(settings, sender=TelegramSender(bot),
                                            clock=SystemClock(), stop_event=stop,
                                            policy=policy)
    print(f"sent={worker.counters.sent} rate_limited={worker.counters.rate_limited}", flush=True)


if __name__ == "__main__":
    print("worker ready", flush=True)
    asyncio.run(main())
