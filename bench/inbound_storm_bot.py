"""The two bots of the inbound storm, each run as a process of its own.

    python -m bench.inbound_storm_bot aftercare [--profile FILE]   # settings from the env
    python -m bench.inbound_storm_bot echo API_URL TOKEN [--webhook URL SECRET]

`aftercare` is the real CLI (`run_bot.py run`: settings file and environment, logging,
build_application with the system clock, polling or webhook). With `--profile FILE`,
SIGUSR1 starts sampling the stack every 1 ms of CPU (bench/inbound_storm_sampler.py) and
counting every SQL statement and commit of every engine (SQLAlchemy events); SIGUSR2 stops
both and writes FILE.samples.json and FILE.sql.json: only the storm is profiled.

`echo` is the baseline: a minimal PTB Application (ApplicationBuilder with the base URL and
nothing else: PTB's defaults, one update at a time, no rate limiter) whose one handler
replies with the text it got ("ok" for anything without text).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections import Counter
from types import FrameType
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import event
from sqlalchemy.engine import Engine
from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bench.inbound_storm_sampler import StackSampler


def run_aftercare(profile_path: str | None) -> int:
    from app.cli import main

    if profile_path is not None:
        sampler = StackSampler()
        statements: Counter[str] = Counter()
        counting = [False]

        def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if counting[0]:
                statements[" ".join(statement.split())[:100]] += 1

        def on_commit(_conn: Any) -> None:
            if counting[0]:
                statements["COMMIT"] += 1

        event.listen(Engine, "before_cursor_execute", on_execute)
        event.listen(Engine, "commit", on_commit)

        def start(_signum: int, _frame: FrameType | None) -> None:
            counting[0] = True
            sampler.start()

        def stop(_signum: int, _frame: FrameType | None) -> None:
            counting[0] = False
            with open(f"{profile_path}.sql.json", "w") as out:
                json.dump(dict(statements), out)
            sampler.stop(f"{profile_path}.samples.json")

        signal.signal(signal.SIGUSR1, start)
        signal.signal(signal.SIGUSR2, stop)
    return main(["run"])


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(message.text or "ok", do_quote=False)


def run_echo(api_url: str, token: str, webhook: tuple[str, str] | None) -> int:
    app = (ApplicationBuilder().token(token).base_url(f"{api_url}/bot")
           .base_file_url(f"{api_url}/file/bot").build())
    app.add_handler(MessageHandler(filters.ALL, echo))
    if webhook is None:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
        return 0
    url, secret = webhook
    parsed = urlparse(url)
    app.run_webhook(listen=parsed.hostname or "127.0.0.1", port=parsed.port or 80,
                    url_path=parsed.path.lstrip("/"), webhook_url=url, secret_token=secret,
                    allowed_updates=Update.ALL_TYPES)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="bot", required=True)
    aftercare = commands.add_parser("aftercare")
    aftercare.add_argument("--profile")
    baseline = commands.add_parser("echo")
    baseline.add_argument("api_url")
    baseline.add_argument("token")
    baseline.add_argument("--webhook", nargs=2, metavar=("URL", "SECRET"))
    args: Any = parser.parse_args(argv)
    if args.bot == "aftercare":
        return run_aftercare(args.profile)
    return run_echo(args.api_url, args.token, tuple(args.webhook) if args.webhook else None)


if __name__ == "__main__":
    sys.exit(main())
