"""Delivery through PTB's real HTTP stack against the fake Bot API: errors, faults (issue 4: 3)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from telegram import Bot
from telegram.error import NetworkError
from telegram.request import HTTPXRequest

from bot.sender import TelegramSender
from jobs.sender import (
    ChatUnreachable,
    OutgoingMessage,
    PermanentError,
    RetryLater,
    TransientError,
)
from testkit.fakes.bot_api import FakeBotApi

ALERT_CHAT = -1001234
# What one process with the fake server in it sustains on this machine; more only
# makes it run late and hand work back.
RATE = 250


@asynccontextmanager
async def telegram_sender(api: FakeBotApi, read_timeout: float = 2.0) -> AsyncIterator[
    TelegramSender
]:
    """A TelegramSender whose Bot talks HTTP to the fake server."""
    request = HTTPXRequest(connection_pool_size=16, read_timeout=read_timeout,
                           connect_timeout=2, write_timeout=2, pool_timeout=5)
    async with Bot(api.token, base_url=f"{api.url}/bot", request=request) as bot:
        yield TelegramSender(bot)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(seed=11) as server:
        yield server


async def test_checkin_goes_out_as_html_with_answer_buttons(api: FakeBotApi) -> None:
    """A check-in is sent in HTML with one button per option, callback_data ci:<id>:<option>."""
    message = OutgoingMessage(message_id=42, chat_id=777, text="How is it <b>today</b>?",
                              kind="checkin", options=(("fine", "All good"), ("bad", "Not ok")))
    async with telegram_sender(api) as sender:
        telegram_id = await sender.send(message)
    (sent,) = api.sent_to(777)
    assert sent.message_id == telegram_id
    assert sent.parse_mode == "HTML" and sent.visible == "How is it today?"
    assert [(b.text, b.callback_data) for b in sent.buttons] == [
        ("All good", "ci:42:fine"), ("Not ok", "ci:42:bad"),
    ]


async def test_telegram_errors_are_classified(api: FakeBotApi) -> None:
    """403 -> ChatUnreachable, 429 -> RetryLater(seconds), 5xx and timeouts -> TransientError,
    a 400 -> PermanentError whose summary leaves out the message's own words."""
    api.faults.blocked_chats = {5}
    plain = OutgoingMessage(message_id=1, chat_id=6, text="hello")
    async with telegram_sender(api, read_timeout=0.3) as sender:
        with pytest.raises(ChatUnreachable):
            await sender.send(OutgoingMessage(message_id=1, chat_id=5, text="hello"))
        api.faults.force_429(1, retry_after=3)
        with pytest.raises(RetryLater) as limited:
            await sender.send(plain)
        assert limited.value.seconds == 3
        api.faults.rate_5xx = 1.0
        with pytest.raises(TransientError):
            await sender.send(plain)
        api.faults.rate_5xx, api.faults.timeout_rate, api.faults.timeout_seconds = 0, 1.0, 1.0
        with pytest.raises(TransientError):
            await sender.send(plain)
        api.faults.clear()
        with pytest.raises(PermanentError) as bad:
            await sender.send(OutgoingMessage(message_id=1, chat_id=6, text="<b>Asha's pain"))
        assert "BadRequest" in str(bad.value) and "Asha" not in str(bad.value)
    assert api.sent_to(5) == [] and api.sent_to(6) == []


class _FailingBot:
    """A Bot stand-in whose send fails with a network error quoting a request URL."""

    async def send_message(self, **_: object) -> None:
        raise NetworkError("connect to https://api.telegram.org/bot123456:AAbbCCddEEffGGhh"
                           "IIjjKKllMM/sendMessage failed")


async def test_error_summaries_never_carry_the_bot_token() -> None:
    """last_error comes from these summaries: a token in Telegram's text is masked."""
    sender = TelegramSender(_FailingBot())  # type: ignore[arg-type]
    with pytest.raises(TransientError) as failure:
        await sender.send(OutgoingMessage(message_id=1, chat_id=6, text="hello"))
    assert "AAbbCC" not in str(failure.value) and "<token>" in str(failure.value)
