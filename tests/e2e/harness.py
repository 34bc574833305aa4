"""The end-to-end harness: the real bot application against the fake Bot API, on a fake clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from telegram import Update
from telegram.ext import Application

from app.application import build_application
from app.settings import Settings
from bot.context import CONTEXT_KEY
from core.clock import FakeClock
from core.invites import hash_code
from ops.logging_setup import quiet_noisy_loggers
from services.context import AppContext
from services.enrollment import EnrollmentRequest, NewInvite, enroll
from services.planning import plan_for_enrollment
from storage.models import ScheduledMessage
from storage.repositories import Store
from testkit.fakes.bot_api import FakeBotApi

REPO = Path(__file__).resolve().parents[2]
TOKEN = "424242:TEST-token_e2e-abcdefghijklmnopqrstu"
BOT_USERNAME = "aftercare_test_bot"
ADMIN_ID = 1000
ALERT_CHAT_ID = -100500
# 10:30 in Asia/Kolkata on a Monday: daytime, outside the default quiet hours.
START = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


class LogCapture(logging.Handler):
    """Every record of the run, formatted as production would (minus redaction, on purpose:
    the privacy test proves the token never reaches a record in the first place)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))

    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class BotEnv:
    """A running bot plus handles to act as users and inspect what happened."""

    api: FakeBotApi
    app: Application[Any, Any, Any, Any, Any, Any]
    clock: FakeClock
    settings: Settings
    logs: LogCapture
    alert_chat_id: int = ALERT_CHAT_ID
    _users: dict[int, Any] = field(default_factory=dict)

    @property
    def ctx(self) -> AppContext:
        ctx = self.app.bot_data[CONTEXT_KEY]
        assert isinstance(ctx, AppContext)
        return ctx

    def db(self) -> Store:
        """A unit of work for assertions: `async with env.db() as db: await db.patients...`."""
        return Store(self.ctx.sessions)

    def user(self, user_id: int, *, language_code: str | None = "en", **kw: Any) -> Any:
        """A Telegram user (fake) who can send, press and reply."""
        if user_id not in self._users:
            self._users[user_id] = self.api.user(user_id, language_code=language_code, **kw)
        return self._users[user_id]

    @property
    def staff(self) -> Any:
        """The admin from the settings (user id 1000)."""
        return self.user(ADMIN_ID, first_name="Admin")

    def patient(self, user_id: int = 5001, *, language_code: str | None = "en") -> Any:
        return self.user(user_id, language_code=language_code, first_name="Pat")

    def sent_to(self, chat_id: int) -> list[Any]:
        return list(self.api.sent_to(chat_id))

    async def wait_sent(
        self, chat_id: int, before: int, count: int = 1, wait: float = 5.0
    ) -> list[Any]:
        """Wait until the bot has sent `count` more messages to `chat_id` than `before`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            sent = self.sent_to(chat_id)
            if len(sent) >= before + count:
                return sent[before:]
            if loop.time() > deadline:
                raise AssertionError(
                    f"expected {count} new message(s) to {chat_id}, got {len(sent) - before}: "
                    f"{[m.text or m.caption for m in sent[before:]]}"
                )
            await asyncio.sleep(0.01)

    async def ask(self, user: Any, text: str, *, count: int = 1, wait: float = 5.0) -> list[Any]:
        """Send `text` as `user` in their private chat and return the bot's `count` replies."""
        before = len(self.sent_to(user.id))
        await user.send(text)
        return await self.wait_sent(user.id, before, count, wait)

    async def press(self, user: Any, button: str, *, on_message: Any = None,
                    count: int = 1, wait: float = 5.0) -> list[Any]:
        """Press an inline button in `user`'s chat and return the bot's `count` new messages."""
        before = len(self.sent_to(user.id))
        await user.press(button, on_message=on_message)
        return await self.wait_sent(user.id, before, count, wait) if count else []

    async def recorded(self, message: Any, wait: float = 5.0) -> None:
        """Wait until delivery has recorded that it sent `message` (its outcome is written
        just after Telegram answers): a staff reply to it can then find its case."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            async with self.ctx.sessions() as session:
                found = await session.scalar(
                    select(ScheduledMessage.id).where(
                        ScheduledMessage.chat_id == message.chat_id,
                        ScheduledMessage.telegram_message_id == message.message_id,
                    )
                )
            if found is not None:
                return
            if loop.time() > deadline:
                raise AssertionError(f"message {message.message_id} was never recorded")
            await asyncio.sleep(0.01)

    async def settle(self, seconds: float = 0.3) -> None:
        """Give the bot time to handle queued updates when no reply is expected."""
        await asyncio.sleep(seconds)

    async def deliver(self, advance: timedelta = timedelta(0), *, max_passes: int = 100) -> int:
        """Advance the fake clock, run delivery passes until nothing is due; new sends count."""
        self.clock.advance(advance)
        before = self.api.stats.sent_count
        worker = self.ctx.delivery
        for _ in range(max_passes):
            next_due = await worker.run_once(self.clock.now())
            if next_due is None or next_due > self.clock.now():
                break
        await worker.settle()  # the last sends' outcomes are in the outbox before we look
        return int(self.api.stats.sent_count - before)

    async def startup_pass_done(self, wait: float = 5.0) -> None:
        """Wait for the pass the bot runs at start, so that later passes happen only on
        wake() (consent) or env.deliver(), never racing a test's own inserts."""
        worker = self.ctx.delivery
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while worker.counters.passes < 1 or worker.busy:
            if loop.time() > deadline:
                raise AssertionError("the start-up delivery pass did not run")
            await asyncio.sleep(0.005)

    async def invite(
        self,
        protocol_id: str = "micro-mesotherapy-face",
        *,
        label: str | None = "Test patient",
        session_start: datetime | None = None,
    ) -> NewInvite:
        """Enroll directly through the service (no Telegram round trip) and return the invite."""
        request = EnrollmentRequest(
            protocol_id=protocol_id,
            session_start=session_start or self.clock.now(),
            label=label,
        )
        return await enroll(self.ctx, request, staff_id=ADMIN_ID, now=self.clock.now())


    async def activate(self, invite: NewInvite, user: Any) -> None:
        """Consent on the patient's behalf through the repositories (no /start round trip):
        claim the code, bind the chat, mark active and store the plan. Staff tests use it
        so they do not depend on the patient conversation."""
        now = self.clock.now()
        async with self.db() as db:
            claim = await db.invites.claim(hash_code(invite.code), user.id, now)
            assert claim.status == "ok", claim
            patient = await db.patients.set_chat(invite.patient_id, user.id, now)
            patient = await db.patients.set_status(invite.patient_id, "active")
            enrollment = await db.enrollments.set_status(invite.enrollment_id, "active")
            planned = plan_for_enrollment(self.ctx, patient, enrollment, now)
            await db.messages.insert_plan(
                enrollment_id=enrollment.id, patient_id=patient.id, chat_id=user.id,
                planned=planned, now=now,
            )

    async def post_alert(self, patient_id: int, *, kind: str = "handoff") -> Any:
        """An alert in the staff chat tied to an escalation, as the patient side posts them."""
        message = await self.app.bot.send_message(
            ALERT_CHAT_ID, f"Question from patient #{patient_id}"
        )
        async with self.db() as db:
            escalation = await db.escalations.open(
                patient_id=patient_id, enrollment_id=None, kind=kind, rule_id=None,
                patient_text=None, now=self.clock.now(),
            )
            await db.escalations.set_alert_message(
                escalation.id, ALERT_CHAT_ID, message.message_id
            )
        return self.api.state.find(ALERT_CHAT_ID, message.message_id)


def e2e_settings(
    *, api_url: str, database_url: str, quiet_hours: str | None = "21:00-08:00", **extra: Any
) -> Settings:
    """Settings for e2e runs: admin 1000, alert chat -100500, fast delivery, shipped content."""
    sections: dict[str, Any] = {
        "bot_token": TOKEN,
        "telegram": {"api_url": api_url, "connect_timeout": 5, "read_timeout": 5},
        "database": {"url": database_url},
        "content": {"dir": str(REPO / "content")},
        "clinic": {
            "name": "Sunrise Clinic",
            "timezone": "Asia/Kolkata",
            "contact": "+91 00000 00000",
            "default_language": "en",
            "languages": ["en", "hi"],
        },
        "staff": {"admin_ids": [ADMIN_ID], "alert_chat_id": ALERT_CHAT_ID},
        "delivery": {
            "quiet_hours": quiet_hours,
            # Tests drive delivery with env.deliver(); the timer only backs up wake().
            "poll_seconds": 3600,
            "rate_per_second": 1000,
            "per_chat_seconds": 0,
            # The fake clock stands still: a paced group would wait for the test to move it.
            "group_per_minute": 0,
            "backoff_base_seconds": 0.01,
            "backoff_max_seconds": 0.05,
        },
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(sections.get(key), dict):
            sections[key] = {**sections[key], **value}
        else:
            sections[key] = value
    return Settings(**sections)


@contextmanager
def production_logging() -> Iterator[LogCapture]:
    """Capture every record at the production level, with the production quieting of
    noisy loggers (ops.logging_setup), so privacy tests see what a real run would log."""
    capture = LogCapture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.INFO)
    quiet_noisy_loggers()
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)


@asynccontextmanager
async def running_bot(
    database_url: str,
    *,
    quiet_hours: str | None = "21:00-08:00",
    start: datetime = START,
    settings_extra: dict[str, Any] | None = None,
    configure_api: Callable[[FakeBotApi], None] | None = None,
    allowed_updates: Sequence[str] = Update.ALL_TYPES,
    api: FakeBotApi | None = None,
) -> AsyncIterator[BotEnv]:
    """Start the fake API and the real application (polling); stop both afterwards.
    `api`: a fake Telegram that outlives this bot, set up by its owner (a restart: the new
    process finds the chats, topics and messages the one before left)."""
    with production_logging() as capture:
        async with contextlib.AsyncExitStack() as stack:
            if api is None:
                api = await stack.enter_async_context(
                    FakeBotApi(token=TOKEN, username=BOT_USERNAME))
                api.group(ALERT_CHAT_ID, "Clinic staff")
                if configure_api is not None:
                    configure_api(api)
            settings = e2e_settings(
                api_url=api.url, database_url=database_url, quiet_hours=quiet_hours,
                **(settings_extra or {}),
            )
            clock = FakeClock(start)
            app = build_application(settings, clock=clock, api_url=api.url)
            await app.initialize()
            assert app.post_init is not None
            try:
                await app.post_init(app)
            except BaseException:
                await app.shutdown()
                raise
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(
                poll_interval=0, timeout=1, allowed_updates=list(allowed_updates)
            )
            env = BotEnv(api=api, app=app, clock=clock, settings=settings, logs=capture)
            try:
                await env.startup_pass_done()
                yield env
            finally:
                await app.updater.stop()
                await app.stop()
                await app.shutdown()
                if app.post_shutdown is not None:
                    await app.post_shutdown(app)
