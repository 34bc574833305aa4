"""Acceptance 1 (kill -9): the bot as a subprocess in webhook mode loses no consent to a crash."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.webhook import FAULT_ENV
from storage.database import create_engine, session_factory
from storage.repositories import Store
from testkit.fakes.bot_api import FakeBotApi
from tests.e2e.harness import ADMIN_ID, ALERT_CHAT_ID, BOT_USERNAME, REPO, TOKEN
from tests.e2e.webhook_harness import HOOK_PATH, SECRET, free_port

pytestmark = pytest.mark.slow

LABEL = "Crashproof Kestrel-Label 5150"
LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]+)")
SETTINGS = """\
[clinic]
name = "Sunrise Clinic"
timezone = "Asia/Kolkata"
contact = "+91 00000 00000"

[delivery]
quiet_hours = ""
poll_seconds = 0.5
per_chat_seconds = 0
rate_per_second = 200

[logging]
level = "INFO"
"""


@dataclass
class BotProcess:
    """Starts `python run_bot.py` in webhook mode against the fake API; logs to a file."""

    api: FakeBotApi
    tmp: Path
    port: int
    starts: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def database_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.tmp / 'bot.db'}"

    @property
    def log(self) -> Path:
        return self.tmp / "bot.log"

    def env(self, fault: str | None) -> dict[str, str]:
        (self.tmp / "settings.toml").write_text(SETTINGS)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AFTER"))}
        env.update({
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": self.api.url,
            "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{self.port}{HOOK_PATH}",
            "TELEGRAM_WEBHOOK_LISTEN": f"127.0.0.1:{self.port}",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "AFTERCARE_SETTINGS": str(self.tmp / "settings.toml"),
            "DATABASE_URL": self.database_url,
            "CONTENT_DIR": str(REPO / "content"),
            "STAFF_ADMIN_IDS": str(ADMIN_ID),
            "STAFF_ALERT_CHAT_ID": str(ALERT_CHAT_ID),
        })
        if fault:
            env[FAULT_ENV] = fault
        return env

    async def start(self, fault: str | None = None) -> None:
        """Start and wait until the bot has registered its webhook and serves requests."""
        self.api.state.webhook = None
        self.starts += 1
        with self.log.open("ab") as log:
            log.write(f"--- start {self.starts}\n".encode())
            # Popen returns at once (it does not wait for the child): fine in a coroutine.
            self.process = subprocess.Popen(  # noqa: ASYNC220
                [sys.executable, "run_bot.py"], cwd=REPO, env=self.env(fault),
                stdout=log, stderr=subprocess.STDOUT,
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while self.api.state.webhook is None:
            if self.process.poll() is not None:
                raise AssertionError(f"the bot exited early:\n{self.log.read_text()}")
            if loop.time() > deadline:
                raise AssertionError(f"no setWebhook within 30 s:\n{self.log.read_text()}")
            await asyncio.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise
        return int(self.process.returncode)


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi.in_thread(token=TOKEN, username=BOT_USERNAME) as server:
        server.group(ALERT_CHAT_ID, "Clinic staff")
        yield server


@pytest.fixture
async def bot(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[BotProcess]:
    runner = BotProcess(api=api, tmp=tmp_path, port=free_port())
    yield runner
    if runner.process is not None and runner.process.poll() is None:
        runner.process.kill()
        runner.process.wait()


async def db_state(bot: BotProcess, chat_id: int) -> dict[str, Any]:
    """The patient's status, their messages and the unprocessed updates, read from disk."""
    engine = create_engine(bot.database_url)
    try:
        async with Store(session_factory(engine)) as db:
            patient = await db.patients.by_chat_id(chat_id)
            unprocessed = await db.inbound.unprocessed()
            messages = ()
            if patient is not None:
                [enrollment] = await db.enrollments.list_for_patient(patient.id)
                messages = await db.messages.list_for_enrollment(enrollment.id)
            return {"patient": patient, "unprocessed": unprocessed, "messages": messages}
    finally:
        await engine.dispose()


async def invite_and_offer(api: FakeBotApi, patient_id: int) -> Any:
    """Staff enroll over the webhook, the patient opens the link: the consent question."""
    staff = api.user(ADMIN_ID, first_name="Admin")
    await staff.send(f"/enroll micro-mesotherapy-face {LABEL}")
    reply = await staff.expect("start=", timeout=15)
    match = LINK.search(reply.visible)
    assert match, reply.visible
    patient = api.user(patient_id, first_name="Pat")
    await patient.send(f"/start {match.group(1)}")
    offer = await patient.expect(lambda m: bool(m.buttons), timeout=15)
    assert offer.buttons[0].text.startswith("Yes")
    return patient


def assert_clean_log(bot: BotProcess) -> None:
    """The production log (INFO, real formatter and redaction) holds no token or label."""
    text = bot.log.read_text(errors="replace")
    assert "event=webhook_started" in text
    for secret in (TOKEN, TOKEN.split(":")[1], SECRET, LABEL, "Kestrel"):
        assert secret not in text, f"{secret!r} leaked into the log"


async def test_kill_9_while_handling_a_persisted_consent_loses_nothing(
    api: FakeBotApi, bot: BotProcess
) -> None:
    """Yes was answered 200 (on disk) but its handling was slow; kill -9; the restarted bot
    handles it from disk: the patient is active and gets the confirmation and reminders."""
    await bot.start(fault="slow:callback_query:60")
    patient = await invite_and_offer(api, 5201)
    await patient.press("Yes")
    assert api.last_webhook_status == 200
    before = await db_state(bot, patient.id)
    assert before["patient"] is None  # not bound yet: handling is still "in progress"
    assert [u.payload.get("callback_query") is not None for u in before["unprocessed"]] == [True]
    bot.kill()

    await bot.start()
    await patient.expect("/timezone", timeout=20)
    await patient.expect("warm water", timeout=20)
    # Outcomes are written within delivery's flush interval after Telegram answers.
    for _ in range(100):
        after = await db_state(bot, patient.id)
        if any(m.status == "sent" for m in after["messages"]):
            break
        await asyncio.sleep(0.05)
    assert after["patient"] is not None and after["patient"].status == "active"
    assert after["unprocessed"] == ()
    assert any(m.status == "sent" for m in after["messages"])
    assert bot.stop() == 0
    assert_clean_log(bot)


async def test_kill_9_right_after_persisting_then_telegram_resends(
    api: FakeBotApi, bot: BotProcess
) -> None:
    """The process dies after storing Yes but before answering 200; Telegram resends it after
    the restart: consent is applied exactly once (one confirmation, one plan)."""
    await bot.start(fault="kill-after-persist:callback_query")
    patient = await invite_and_offer(api, 5202)
    with pytest.raises(httpx.HTTPError):
        await patient.press("Yes")  # the connection dies with the process: no 200
    assert bot.process is not None and bot.process.wait(10) == -signal.SIGKILL
    [stored] = (await db_state(bot, patient.id))["unprocessed"]

    await bot.start()
    await patient.expect("/timezone", timeout=20)
    # Telegram never got its 200, so it sends the same update again.
    assert await api.deliver_via_webhook(dict(stored.payload)) == 200
    await asyncio.sleep(1.0)
    confirmations = [m for m in api.sent_to(patient.id) if "/timezone" in m.visible]
    assert len(confirmations) == 1
    after = await db_state(bot, patient.id)
    assert after["patient"] is not None and after["patient"].status == "active"
    steps = [(m.step_id, m.occurrence) for m in after["messages"]]
    assert len(steps) == len(set(steps))
    assert after["unprocessed"] == ()
    assert bot.stop() == 0
    assert_clean_log(bot)


async def test_sigterm_finishes_the_update_being_handled(
    api: FakeBotApi, bot: BotProcess
) -> None:
    """A stop (SIGTERM) during a slow handling waits for it: consent applied before exit."""
    await bot.start(fault="slow:callback_query:2")
    patient = await invite_and_offer(api, 5203)
    await patient.press("Yes")
    assert bot.stop() == 0
    after = await db_state(bot, patient.id)
    assert after["patient"] is not None and after["patient"].status == "active"
    assert after["unprocessed"] == ()
    assert_clean_log(bot)


async def test_kill_9_after_an_enroll_was_handled_replays_it_once(
    api: FakeBotApi, bot: BotProcess
) -> None:
    """The bot dies after /enroll created the patient but before the update was marked
    processed; the restart replays it: still one patient, and staff are told it was done."""
    await bot.start(fault="kill-after-handle:message")
    staff = api.user(ADMIN_ID, first_name="Admin")
    await staff.send(f"/enroll micro-mesotherapy-face {LABEL}")
    assert bot.process is not None and bot.process.wait(20) == -signal.SIGKILL
    await bot.start()
    answer = await staff.expect("already handled before a restart", timeout=20)
    assert "/invite 1" in answer.visible
    engine = create_engine(bot.database_url)
    try:
        async with Store(session_factory(engine)) as db:
            assert len(await db.patients.list()) == 1
            assert await db.inbound.unprocessed() == ()
    finally:
        await engine.dispose()
    assert bot.stop() == 0
    assert_clean_log(bot)
