"""One inbound storm against one bot process: the fake Bot API, the sends, the replies.

The fake Bot API runs in a thread of this process (its own event loop, on loopback); the
bot runs in a process of its own (bench/inbound_storm_bot.py), so "per process" is the
bot's one process and one core. Sends are handed to the fake at their planned times
(getUpdates polling: queued for the bot's long poll; webhook: POSTed to the bot, as
Telegram does, over one shared client with up to 40 connections); the reply latency of a
patient is from that moment to the first message the fake records in their chat
(`SentMessage.sent_at`, the same monotonic clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil  # type: ignore[import-untyped]

from bench.inbound_storm_db import ALERT_CHAT_ID, ROOT, TOKEN, Leftovers
from bench.inbound_storm_mix import Send
from testkit.fakes.bot_api import FakeBotApi
from testkit.fakes.bot_api_state import JSON
from testkit.fakes.telegram_user import TelegramUser

PATIENT_BASE = 7_000_000  # patient i writes from chat PATIENT_BASE + i
WARM_BASE = 8_000_000  # warm-up senders (not timed)
HOOK_PATH = "/telegram/hook"
SECRET = "storm-secret_0123456789abcdef"
GROUP_PER_MINUTE = 20  # the fake's group limit (Telegram's), over a real 60 s window


class StormApi(FakeBotApi):
    """The fake Bot API, with webhook deliveries over one shared HTTP client (the fake's
    own `deliver` opens a client per update, which would cost this process more than the
    bot it measures)."""

    hook_client: httpx.AsyncClient | None = None

    async def deliver(self, payload: JSON) -> JSON:
        hook = self.state.webhook
        if hook is None or self.hook_client is None:
            return await super().deliver(payload)
        update = self.state.stamp(payload)
        headers = {"Content-Type": "application/json",
                   "X-Telegram-Bot-Api-Secret-Token": hook.secret_token or ""}
        response = await self.hook_client.post(hook.url, content=json.dumps(update),
                                               headers=headers)
        self.last_webhook_status = response.status_code
        return update


@dataclass(frozen=True, kw_only=True)
class StaffFigures:
    """The staff chat during the run (storm start to bot stop) and the outbox after it."""

    posts_sent: int
    too_many: int
    max_in_60s: int
    topics: int
    watched: float  # seconds from the storm's start to the bot's stop
    leftovers: Leftovers
    min_gap: float  # shortest time between two staff posts (inf: fewer than two)
    refused: Counter[str]  # 429 answers by method


@dataclass(kw_only=True)
class Figures:
    """What one storm measured; latencies in seconds, `inf` for a patient never answered."""

    bot: str
    patients: int
    start: float  # monotonic time of the storm's first moment
    latencies: list[float]
    span: float  # first send to the last patient's first reply
    misdirected: int  # bot messages in a chat before its patient wrote (someone else's)
    crossed: int  # a reply of the wrong kind (see check_kinds)
    red_missed: int  # red flags (text or caption) without the urgent reply
    cpu_seconds: float  # the bot process, storm start to the last answer
    main_cpu: float  # of which its main thread (the event loop)
    replies: int  # messages the bot sent to storm patients
    requests: Counter[str] = field(default_factory=Counter)  # Bot API methods the bot called
    staff: StaffFigures | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(1 for value in self.latencies if math.isfinite(value))

    @property
    def per_second(self) -> float:
        return self.answered / self.span if self.span > 0 else 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def fake_api(forum: bool = True) -> Iterator[StormApi]:
    """A fresh fake with the staff chat (a forum supergroup unless `forum` is False) and
    Telegram's group limit switched on."""
    with StormApi.in_thread(token=TOKEN, username="aftercare_storm_bot") as fake:
        assert isinstance(fake, StormApi)  # in_thread builds `cls`
        api = fake
        api.group(ALERT_CHAT_ID, "Clinic staff", forum=forum)
        api.limits.per_group_per_minute = GROUP_PER_MINUTE
        yield api


STOP_GRACE = 15.0  # seconds a stopping bot gets before SIGKILL


@contextmanager
def bot_process(command: list[str], env: dict[str, str], log: Path) -> Iterator[psutil.Process]:
    """The bot running as `python -m bench.inbound_storm_bot ...`; SIGTERM at the end, and
    SIGKILL after STOP_GRACE s (handlers stuck in a rate limiter hold PTB's stop; noted in
    the log file)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AFTER"))}
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "bench.inbound_storm_bot", *command],
                                   cwd=ROOT, env={**clean, **env}, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        yield psutil.Process(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            with log.open("a") as out:
                out.write(f"bench: killed, not stopped within {STOP_GRACE:g} s\n")


def webhook_env(port: int) -> dict[str, str]:
    return {"TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}{HOOK_PATH}",
            "TELEGRAM_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
            "TELEGRAM_WEBHOOK_SECRET": SECRET}


def wait_ready(api: StormApi, bot: psutil.Process, log: Path, webhook: bool) -> None:
    """Until the bot polls getUpdates (or has set its webhook)."""
    deadline = time.monotonic() + 90
    while (api.state.webhook is None) if webhook else api.stats.requests["getUpdates"] < 1:
        if not bot.is_running() or bot.status() == psutil.STATUS_ZOMBIE or (
            time.monotonic() > deadline
        ):
            raise RuntimeError(f"the bot did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)


def users(api: StormApi, base: int, count: int) -> list[TelegramUser]:
    return [api.user(base + i, "Pat", language_code="en") for i in range(count)]


async def send_one(user: TelegramUser, send: Send) -> None:
    if send.kind == "sticker":
        await user.send_sticker(send.text)
    elif send.kind.startswith("photo"):
        await user.send_photo(send.text or None)
    else:
        await user.send(send.text)


async def drive(api: StormApi, patients: list[TelegramUser], sends: list[Send],
                webhook: bool) -> tuple[float, list[float]]:
    """Hand every send to the fake at its time; returns (start, each send's moment)."""
    pushed = [0.0] * len(sends)
    tasks: list[asyncio.Task[None]] = []
    limits = httpx.Limits(max_connections=40, max_keepalive_connections=40)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        api.hook_client = client if webhook else None
        start = time.monotonic()
        for send in sends:
            delay = start + send.at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            pushed[send.index] = time.monotonic()
            if webhook:
                tasks.append(asyncio.create_task(send_one(patients[send.index], send)))
            else:
                await send_one(patients[send.index], send)
        for task in tasks:
            with contextlib.suppress(Exception):
                await task
        api.hook_client = None
    return start, pushed


def wait_answers(api: StormApi, chats: list[int], deadline: float) -> None:
    """Until every chat got a message from the bot, or `deadline` (monotonic)."""
    waiting = set(chats)
    while waiting and time.monotonic() < deadline:
        waiting = {chat for chat in waiting if not api.state.sent_to(chat)}
        time.sleep(0.1)


def warm_up(api: StormApi, bot: psutil.Process, log: Path, count: int) -> None:
    """`count` non-storm patients say "thanks" and get their answer (imports, pools, caches)."""
    warm = users(api, WARM_BASE, count)
    asyncio.run(drive(api, warm, [Send(index=i, kind="smalltalk", text="thanks", at=0.05 * i)
                                  for i in range(count)], api.state.webhook is not None))
    wait_answers(api, [user.id for user in warm], time.monotonic() + 60)
    missing = [user.id for user in warm if not api.sent_to(user.id)]
    if missing or not bot.is_running():
        raise RuntimeError(f"warm-up: {len(missing)} of {count} unanswered:\n"
                           f"{log.read_text()[-3000:]}")


def cpu_seconds(bot: psutil.Process) -> tuple[float, float]:
    """CPU seconds of the whole process and of its main thread (Linux: its id is the pid)."""
    times = bot.cpu_times()
    main = sum(t.user_time + t.system_time for t in bot.threads() if t.id == bot.pid)
    return float(times.user + times.system), float(main)


def measure(api: StormApi, bot: psutil.Process, sends: list[Send], *, name: str,
            wait: float, webhook: bool, profile: bool = False) -> Figures:
    """The storm itself, from the first send to every answer (or `wait` s after the last
    send); the profiler (when the bot has one) runs for exactly that span."""
    patients = users(api, PATIENT_BASE, len(sends))
    api.stats.reset()
    if profile:
        bot.send_signal(signal.SIGUSR1)
    cpu_before, main_before = cpu_seconds(bot)
    start, pushed = asyncio.run(drive(api, patients, sends, webhook))
    wait_answers(api, [user.id for user in patients], time.monotonic() + wait)
    cpu_after, main_after = cpu_seconds(bot)
    requests = Counter(api.stats.requests)
    if profile:
        bot.send_signal(signal.SIGUSR2)
    latencies, misdirected, replies = [], 0, 0
    firsts: list[str | None] = []
    last_first = start
    for user, moment in zip(patients, pushed, strict=True):
        sent = api.sent_to(user.id)
        replies += len(sent)
        misdirected += sum(1 for message in sent if message.sent_at < moment)
        firsts.append(sent[0].visible if sent else None)
        if sent:
            latencies.append(sent[0].sent_at - moment)
            last_first = max(last_first, sent[0].sent_at)
        else:
            latencies.append(math.inf)
    figures = Figures(bot=name, patients=len(sends), start=start, latencies=latencies,
                      span=last_first - start, misdirected=misdirected, crossed=0,
                      red_missed=0, cpu_seconds=cpu_after - cpu_before,
                      main_cpu=main_after - main_before, replies=replies, requests=requests)
    if name == "echo":
        figures.crossed = sum(1 for send, first in zip(sends, firsts, strict=True)
                              if first is not None and first != expected_echo(send))
    else:
        check_kinds(figures, sends, [[m.visible for m in api.sent_to(u.id)] for u in patients])
    return figures


def expected_echo(send: Send) -> str:
    return send.text if send.kind in ("smalltalk", "faq", "red_flag", "unanswerable") else "ok"


def check_kinds(figures: Figures, sends: list[Send], chats: list[list[str]]) -> None:
    """Replies meant for another patient, by what the bot answers each kind with: the
    urgent reply (the most common first reply to a red-flag text) must reach exactly the
    red-flag patients, and the small-talk answer (the most common first reply to small
    talk) no one who asked a question, reported a red flag or sent a photo."""
    def most_common(kinds: tuple[str, ...]) -> str | None:
        found = Counter(chat[0] for send, chat in zip(sends, chats, strict=True)
                        if send.kind in kinds and chat)
        return found.most_common(1)[0][0] if found else None

    urgent, small = most_common(("red_flag",)), most_common(("smalltalk",))
    missed: Counter[str] = Counter()
    for send, chat in zip(sends, chats, strict=True):
        got_urgent = urgent is not None and urgent in chat
        if send.red_flag and not got_urgent:
            figures.red_missed += 1
            answer = chat[0].replace("\n", " ")[:40] if chat else "nothing yet"
            missed[f"{send.kind} {send.text!r} got {answer!r}"] += 1
        elif not send.red_flag and got_urgent:
            figures.crossed += 1
        if send.kind not in ("smalltalk", "sticker") and chat and chat[0] == small:
            figures.crossed += 1
    for label, text in (("urgent reply", urgent), ("small-talk reply", small)):
        shown = (text or "-").replace("\n", " ")
        figures.notes.append(f"{label} taken as: {shown[:60]!r}")
    figures.notes += [f"red flag without the urgent reply ({n}x): {what}"
                      for what, n in missed.most_common(4)]


def staff_figures(api: StormApi, storm_start: float, leftovers: Leftovers) -> StaffFigures:
    """Read once the bot has stopped (its last sends are then recorded)."""
    times = sorted(message.sent_at for message in api.sent_to(ALERT_CHAT_ID))
    refused: Counter[str] = Counter()
    for (method, code, _text), n in dict(api.stats.error_details).items():
        if code == 429:
            refused[method] += n
    return StaffFigures(
        posts_sent=len(times), too_many=api.stats.too_many_requests,
        max_in_60s=api.stats.max_in_window(ALERT_CHAT_ID, 60.0),
        topics=api.stats.requests["createForumTopic"],
        watched=time.monotonic() - storm_start, leftovers=leftovers,
        min_gap=min((b - a for a, b in itertools.pairwise(times)),
                    default=math.inf),
        refused=refused,
    )

