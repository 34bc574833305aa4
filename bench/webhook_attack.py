"""Issue 12: the webhook server under two attacks, before and after its limits.

The real bot (`python run_bot.py`, webhook mode, SQLite, the fake Bot API in a thread) is
started from a checkout for each measurement; the attacks come from this process.

1. memory: `--bodies` clients at once each POST a `--body-mib` body, without the secret
   (and again with it). Figures: the bot's RSS idle (the baseline, same run), its peak
   during the attack (sampled every 10 ms), how much of a body a client could send.
2. slow: `--slow` connections that send half a request line and headers, then nothing.
   Figures: /healthz latency with no attack (the baseline, same run) and while they hang,
   how many /healthz probes were answered at all, whether an update still gets its 200,
   the log lines written meanwhile, and how many of the slow connections the server had
   closed `--hold` seconds later. The bot is started with a soft open-file limit of 1024
   (what systemd and most shells give) and this machine's hard limit; one more variant
   pins the hard limit to 1024 as well.

    .venv/bin/python -m bench.webhook_attack --before-rev <commit>   # both, side by side
    .venv/bin/python -m bench.webhook_attack --runs 1 --slow 300      # quick look, after only

`--before-rev` runs that commit's tree (`git archive` into a temporary folder; the working
tree is not touched) with this virtualenv. Medians over `--runs` fresh bot processes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from testkit.fakes.bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "424242:BENCH-token_webhook-abcdefghijklmn"
SECRET = "bench-secret_0123456789abcdef"
HOOK_PATH = "/telegram/hook"
ADMIN_ID = 1000
ALERT_CHAT_ID = -100500
SETTINGS = """\
[clinic]
name = "Bench Clinic"
timezone = "Asia/Kolkata"
contact = "+91 00000 00000"

[logging]
level = "INFO"
"""
MIB = 1 << 20


@dataclass(frozen=True)
class Variant:
    name: str
    repo: Path
    nofile: tuple[int, int]  # (soft, hard) given to the bot process


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def extract(rev: str, into: Path) -> Path:
    """The tree of commit `rev`, written under `into` (read-only use of git)."""
    archive = subprocess.run(["git", "archive", "--format=tar", rev], cwd=ROOT,
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


@dataclass
class Bot:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mib(self) -> float:
        return float(psutil.Process(self.process.pid).memory_info().rss) / MIB


@contextmanager
def running_bot(api: FakeBotApi, variant: Variant, tmp: Path) -> Iterator[Bot]:
    """The bot of `variant` in webhook mode, until it has registered its webhook."""
    port = free_port()
    (tmp / "settings.toml").write_text(SETTINGS)
    for leftover in tmp.glob("bot.db*"):
        leftover.unlink()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AFTER"))}
    env.update({
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.url,
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}{HOOK_PATH}",
        "TELEGRAM_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "AFTERCARE_SETTINGS": str(tmp / "settings.toml"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'bot.db'}",
        "CONTENT_DIR": str(variant.repo / "content"),
        "STAFF_ADMIN_IDS": str(ADMIN_ID), "STAFF_ALERT_CHAT_ID": str(ALERT_CHAT_ID),
    })
    soft, hard = variant.nofile

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    api.state.webhook = None
    log = tmp / "bot.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "run_bot.py"], cwd=variant.repo, env=env, stdout=out,
            stderr=subprocess.STDOUT, preexec_fn=limits,
        )
    bot = Bot(process=process, port=port, log=log)
    try:
        deadline = time.monotonic() + 60
        while api.state.webhook is None:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.05)
        time.sleep(0.5)  # settle: start-up allocations done
        yield bot
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class PeakSampler:
    """Samples the process's RSS every 10 ms in a thread; `peak` in MiB."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        self._stop = threading.Event()
        self.peak = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                self.peak = max(self.peak, self._bot.rss_mib())
            time.sleep(0.01)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def head(length: int, secret: str | None) -> bytes:
    lines = [f"POST {HOOK_PATH} HTTP/1.1", "Host: bot", "Content-Type: application/json",
             f"Content-Length: {length}"]
    if secret:
        lines.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def big_post(port: int, size: int, secret: str | None) -> tuple[int, str]:
    """(bytes of the body written before the server closed, the status line or "-")."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head(size, secret))
    chunk = b"[" + b" " * (MIB - 1)
    sent = 0
    try:
        while sent < size:
            writer.write(chunk[: min(MIB, size - sent)])
            await writer.drain()
            sent += min(MIB, size - sent)
    except (ConnectionError, OSError):
        pass
    status = "reset"  # the server closed with the body unread: the client sees a reset
    with contextlib.suppress(Exception):
        async with asyncio.timeout(30):
            line = await reader.readline()
        status = line.decode(errors="replace").split(" ")[1] if line else "closed"
    writer.close()
    return sent, status


def memory_attack(bot: Bot, bodies: int, size: int, secret: str | None) -> dict[str, Any]:
    idle = statistics.median(bot.rss_mib() for _ in range(20) if time.sleep(0.02) is None)
    started = time.monotonic()

    async def attack() -> list[tuple[int, str]]:
        return list(await asyncio.gather(*(big_post(bot.port, size, secret)
                                           for _ in range(bodies))))

    with PeakSampler(bot) as sampler:
        results = asyncio.run(attack())
        time.sleep(0.5)
    statuses = sorted({status for _, status in results})
    return {
        "idle_mib": idle, "peak_mib": sampler.peak, "ratio": sampler.peak / idle,
        "sent_mib": statistics.median(sent for sent, _ in results) / MIB,
        "seconds": time.monotonic() - started, "answers": ",".join(statuses),
    }


async def probe_health(base: str, wait: float) -> float | None:
    """Seconds for one GET /healthz on a new connection, None when it failed or timed out."""
    started = time.monotonic()
    try:
        async with httpx.AsyncClient(timeout=wait) as client:
            response = await client.get(f"{base}/healthz")
    except httpx.HTTPError:
        return None
    return time.monotonic() - started if response.status_code == 200 else None


async def post_update(base: str, wait: float) -> str:
    update = {"update_id": 999_001, "message": {
        "message_id": 1, "date": 1_772_000_000, "text": "/help",
        "from": {"id": ADMIN_ID, "is_bot": False, "first_name": "Admin"},
        "chat": {"id": ADMIN_ID, "type": "private"},
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}
    try:
        async with httpx.AsyncClient(timeout=wait) as client:
            response = await client.post(
                f"{base}{HOOK_PATH}", content=json.dumps(update),
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    except httpx.HTTPError as error:
        return type(error).__name__
    return str(response.status_code)


async def slow_attack(bot: Bot, count: int, probes: int, hold: float) -> dict[str, Any]:
    baseline = [await probe_health(bot.base, 2.0) for _ in range(probes)]
    partial = f"POST {HOOK_PATH} HTTP/1.1\r\nHost: bot\r\n".encode()
    streams: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def open_one() -> None:
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(3):
                reader, writer = await asyncio.open_connection("127.0.0.1", bot.port)
            writer.write(partial)
            streams.append((reader, writer))

    started = time.monotonic()
    for begin in range(0, count, 100):
        await asyncio.gather(*(open_one() for _ in range(begin, min(count, begin + 100))))
    opened = len(streams)
    await asyncio.sleep(0.5)
    mark, mark_time = bot.log.stat().st_size, time.monotonic()
    during = []
    for _ in range(probes):
        during.append(await probe_health(bot.base, 2.0))
        await asyncio.sleep(0.2)
    update = await post_update(bot.base, 3.0)
    window = time.monotonic() - mark_time
    log_text = bot.log.read_bytes()[mark:]
    await asyncio.sleep(max(0.0, started + hold - time.monotonic()))
    closed = sum(1 for reader, _ in streams if reader.at_eof())
    for _, writer in streams:
        writer.close()
    answered = [x for x in during if x is not None]
    return {
        "opened": opened,
        "health_idle_ms": 1000 * statistics.median(x for x in baseline if x is not None),
        "health_during_ms": 1000 * statistics.median(answered) if answered else float("nan"),
        "health_answered": f"{len(answered)}/{probes}",
        "update_status": update,
        "log_lines_per_10s": 10 * log_text.count(b"\n") / window,
        "log_kib_per_10s": 10 * len(log_text) / 1024 / window,
        "emfile_lines": log_text.count(b"Too many open files"),
        "closed_by_server": f"{closed}/{opened}",
    }


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Numbers: the median over runs; text: the values seen, joined."""
    out: dict[str, Any] = {}
    for key in runs[0]:
        values = [run[key] for run in runs]
        if all(isinstance(v, int | float) for v in values):
            out[key] = statistics.median(values)
        else:
            out[key] = " / ".join(dict.fromkeys(str(v) for v in values))
    return out


def table(title: str, rows: list[tuple[str, str, Callable[[Any], str]]],
          results: dict[str, dict[str, Any]]) -> None:
    names = list(results)
    width = max(14, *(len(name) + 2 for name in names))
    print(f"\n{title}")
    print(f"  {'':44}" + "".join(f"{name:>{width}}" for name in names))
    for label, key, fmt in rows:
        cells = "".join(f"{fmt(results[name][key]):>{width}}" for name in names)
        print(f"  {label:44}{cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before-rev", help="commit to measure as 'before' (git archive)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bodies", type=int, default=8)
    parser.add_argument("--body-mib", type=int, default=90)
    parser.add_argument("--slow", type=int, default=1100)
    parser.add_argument("--probes", type=int, default=10)
    parser.add_argument("--hold", type=float, default=14.0,
                        help="seconds after opening the slow connections to count closed ones")
    args = parser.parse_args()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this side opens > 1,100
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        variants = []
        if args.before_rev:
            before = extract(args.before_rev, tmp / "before")
            variants.append(Variant("before", before, (1024, hard)))
        variants.append(Variant("after", ROOT, (1024, hard)))
        squeezed = Variant("after, hard limit 1024", ROOT, (1024, 1024))
        print(f"open-file limit given to the bot: soft 1024, hard {hard} "
              f"(and 1024/1024 for the last column); {args.runs} run(s) each, medians",
              flush=True)
        memory: dict[str, dict[str, Any]] = {}
        memory_secret: dict[str, dict[str, Any]] = {}
        slow: dict[str, dict[str, Any]] = {}
        with FakeBotApi.in_thread(token=TOKEN, username="aftercare_bench_bot") as api:
            api.group(ALERT_CHAT_ID, "Clinic staff")
            for variant in [*variants, squeezed]:
                work = tmp / ("work-" + variant.name.replace(" ", "_").replace(",", ""))
                work.mkdir()
                runs: dict[str, list[dict[str, Any]]] = {"m": [], "s": [], "slow": []}
                for run in range(args.runs):
                    print(f"  {variant.name}: run {run + 1}", flush=True)
                    if variant is not squeezed:
                        with running_bot(api, variant, work) as bot:
                            runs["m"].append(memory_attack(
                                bot, args.bodies, args.body_mib * MIB, None))
                        with running_bot(api, variant, work) as bot:
                            runs["s"].append(memory_attack(
                                bot, args.bodies, args.body_mib * MIB, SECRET))
                    with running_bot(api, variant, work) as bot:
                        runs["slow"].append(asyncio.run(
                            slow_attack(bot, args.slow, args.probes, args.hold)))
                if runs["m"]:
                    memory[variant.name] = median_of(runs["m"])
                    memory_secret[variant.name] = median_of(runs["s"])
                slow[variant.name] = median_of(runs["slow"])
    mib = "{:.0f}".format
    memory_rows: list[tuple[str, str, Callable[[Any], str]]] = [
        ("bot RSS idle, MiB (baseline, same run)", "idle_mib", mib),
        ("bot RSS peak during the attack, MiB", "peak_mib", mib),
        ("peak / idle", "ratio", "x{:.2f}".format),
        ("body a client could send, MiB (median)", "sent_mib", "{:.1f}".format),
        ("attack took, s", "seconds", "{:.1f}".format),
        ("status lines the clients read", "answers", str),
    ]
    table(f"1a. {args.bodies} bodies of {args.body_mib} MiB at once, no secret",
          memory_rows, memory)
    table("1b. the same with the right secret", memory_rows, memory_secret)
    table(f"2. {args.slow} connections that never finish their headers", [
        ("slow connections the bot accepted or queued", "opened", "{:.0f}".format),
        ("/healthz p50 with no attack, ms (baseline)", "health_idle_ms", "{:.1f}".format),
        ("/healthz p50 while they hang, ms", "health_during_ms", "{:.1f}".format),
        ("/healthz probes answered within 2 s", "health_answered", str),
        ("an update POSTed meanwhile got", "update_status", str),
        ("log lines per 10 s meanwhile", "log_lines_per_10s", "{:.0f}".format),
        ("log KiB per 10 s meanwhile", "log_kib_per_10s", "{:.0f}".format),
        ('"Too many open files" lines', "emfile_lines", "{:.0f}".format),
        (f"slow ones closed by the server after {args.hold:g} s", "closed_by_server", str),
    ], slow)
    print(f"\ntotal {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main()
