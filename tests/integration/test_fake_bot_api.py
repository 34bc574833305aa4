"""The fake Bot API, driven by PTB's real Bot and Application over loopback HTTP."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    ContextTypes,
)

from testkit.fakes.bot_api import FakeBotApi
from testkit.fakes.bot_api_html import HtmlError, visible_text
from testkit.fakes.bot_api_stats import Stats
from testkit.ptb_apps import TOKEN, make_bot

Ctx = ContextTypes.DEFAULT_TYPE


# plain methods -------------------------------------------------------------------------------


async def test_get_me_returns_the_configured_bot(api: FakeBotApi) -> None:
    """getMe answers with the username and the id taken from the token."""
    async with make_bot(api) as bot:
        me = await bot.get_me()
    assert (me.username, me.id, me.is_bot) == ("aftercare_test_bot", 777000, True)


async def test_wrong_token_and_unknown_method_are_refused(api: FakeBotApi) -> None:
    """A wrong token gets 401 (PTB: InvalidToken); an unknown method gets Telegram's 404 body."""
    bot = Bot("777000:WRONG", base_url=f"{api.url}/bot")
    with pytest.raises(InvalidToken):
        await bot.get_me()
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{api.url}/bot{TOKEN}/sendCarrierPigeon")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404,
                               "description": "Not Found: method not found"}


async def test_send_message_is_recorded_with_markup_and_reply(api: FakeBotApi) -> None:
    """sendMessage records text, parse mode, buttons and reply target; ids count up per chat."""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes, I agree", callback_data="ok")]])
    async with make_bot(api) as bot:
        first = await bot.send_message(42, "<b>Hi</b> &amp; welcome", parse_mode="HTML",
                                       reply_markup=markup)
        second = await bot.send_message(42, "again", reply_to_message_id=first.message_id)
        other = await bot.send_message(43, "elsewhere")
    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.text == "Hi & welcome" and first.from_user is not None
    recorded = api.sent_to(42)
    assert [m.visible for m in recorded] == ["Hi & welcome", "again"]
    assert recorded[0].text == "<b>Hi</b> &amp; welcome" and recorded[0].parse_mode == "HTML"
    assert recorded[0].buttons[0].callback_data == "ok"
    assert recorded[1].reply_to_message_id == 1
    assert api.stats.sent_count == 3


async def test_photo_upload_records_bytes_and_caption(api: FakeBotApi) -> None:
    """sendPhoto (multipart) keeps the uploaded bytes and the caption; the file is served back."""
    data = b"\x89PNG\r\n\x1a\nfake-qr-code"
    async with make_bot(api) as bot:
        message = await bot.send_photo(42, data, caption="Scan me")
        file = await bot.get_file(message.photo[-1].file_id)
        downloaded = await file.download_as_bytearray()
    recorded = api.sent_to(42)[0]
    assert (recorded.photo, recorded.caption, recorded.method) == (data, "Scan me", "sendPhoto")
    assert bytes(downloaded) == data


async def test_edit_and_commands(api: FakeBotApi) -> None:
    """Edits replace the record (an identical edit is refused); commands are stored per scope."""
    async with make_bot(api) as bot:
        sent = await bot.send_message(42, "before")
        await bot.edit_message_text("after", chat_id=42, message_id=sent.message_id)
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("after", chat_id=42, message_id=sent.message_id)
        with pytest.raises(BadRequest, match="not found"):
            await bot.edit_message_text("x", chat_id=42, message_id=99)
        await bot.set_my_commands([("start", "Start"), ("help", "Help")])
        commands = await bot.get_my_commands()
        await bot.delete_my_commands()
        assert await bot.get_my_commands() == ()
    assert [c.command for c in commands] == ["start", "help"]
    assert api.sent_to(42)[0].visible == "after" and api.sent_to(42)[0].edits == 1


# validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["<b>open", "a < b", "fish & chips", "<script>x</script>", "<b><i>x</b></i>", "x</b>",
     "&nbsp;", "1 > 0"],
)
def test_invalid_html_is_rejected(text: str) -> None:
    """Unbalanced or unknown tags and unescaped <, >, & are errors, as Telegram documents."""
    with pytest.raises(HtmlError):
        visible_text(text)


def test_valid_html_shows_as_the_user_sees_it() -> None:
    """Allowed tags vanish and entities (named and numeric) are unescaped."""
    text = '<b>a</b> <a href="https://x.org">l</a> &lt;b&gt; &amp; &quot;&#39;&#x27;<pre>c</pre>'
    assert visible_text(text) == "a l <b> & \"''c"


async def test_limits_and_html_reach_ptb_as_bad_request(api: FakeBotApi) -> None:
    """Over-long text or caption and bad HTML are 400s that PTB raises as BadRequest."""
    async with make_bot(api) as bot:
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(42, "<b>Dr. Smith & co", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(42, "x" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
            await bot.send_photo(42, b"img", caption="y" * 1025)
        await bot.send_message(42, "&lt;b&gt;" * 1000, parse_mode="HTML")  # 3,000 visible chars
    assert api.stats.sent_count == 1 and api.stats.errors[400] == 3


# faults --------------------------------------------------------------------------------------


async def test_forced_429_raises_retry_after_with_its_seconds(
    api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """force_429(2, 7) answers the next two sends with retry_after 7; the third goes through."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    api.faults.force_429(2, retry_after=7)
    async with make_bot(api) as bot:
        for _ in range(2):
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(42, "hello")
            assert caught.value.retry_after == timedelta(seconds=7)
        await bot.send_message(42, "hello")
    assert api.stats.too_many_requests == 2 and api.stats.sent_count == 1


async def test_blocked_chat_5xx_and_drop_map_to_ptb_errors(api: FakeBotApi) -> None:
    """A blocked chat is Forbidden; a 5xx and a dropped connection are NetworkError."""
    async with make_bot(api) as bot:
        api.faults.blocked_chats.add(13)
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_message(13, "hi")
        api.faults.rate_5xx = 1.0
        with pytest.raises(NetworkError) as server_error:
            await bot.send_message(42, "hi")
        assert not isinstance(server_error.value, TimedOut)
        api.faults.rate_5xx = 0.0
        api.faults.drop_rate = 1.0
        with pytest.raises(NetworkError, match="disconnected"):
            await bot.send_message(42, "hi")
        api.faults.drop_rate = 0.0
        assert (await bot.get_me()).username == "aftercare_test_bot"
    assert api.stats.sent_count == 0
    assert api.stats.faults["5xx"] == 1 and api.stats.faults["drop"] == 1


async def test_held_response_makes_ptb_time_out(api: FakeBotApi) -> None:
    """timeout_rate holds the answer past the client's read timeout: PTB raises TimedOut."""
    api.faults.timeout_rate = 1.0
    api.faults.timeout_seconds = 0.6
    async with make_bot(api, read_timeout=0.2) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(42, "late")
        api.faults.timeout_delivers = True
        with pytest.raises(TimedOut):
            await bot.send_message(42, "late but delivered")
        await asyncio.sleep(0.6)  # the held request completes on the server side
    assert [m.visible for m in api.sent_to(42)] == ["late but delivered"]


async def test_slow_seconds_and_per_method_faults(api: FakeBotApi) -> None:
    """slow_seconds adds latency; a per-method override hits only that method."""
    api.faults.slow_seconds = 0.2
    api.faults.for_method("sendPhoto").rate_5xx = 1.0
    async with make_bot(api) as bot:
        started = time.monotonic()
        await bot.send_message(42, "slow")
        assert time.monotonic() - started >= 0.2
        with pytest.raises(NetworkError):
            await bot.send_photo(42, b"img")


def test_same_seed_gives_the_same_fault_sequence() -> None:
    """Two fake servers with one seed make identical fault decisions."""
    def sequence() -> list[str]:
        fake = FakeBotApi(seed=1234)
        fake.faults.rate_5xx = 0.3
        fake.faults.drop_rate = 0.1
        return [fake.faults.decide("sendMessage").fault.value for _ in range(200)]
    first = sequence()
    assert first == sequence() and len(set(first)) == 3


async def test_rate_limits_answer_429_and_stats_measure_windows(
    api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past 1/s per chat or 3/s globally the fake answers 429; stats see the windows held."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    api.limits.per_chat_per_second = 1
    api.limits.global_per_second = 3
    async with make_bot(api) as bot:
        await bot.send_message(1, "a")
        with pytest.raises(RetryAfter):
            await bot.send_message(1, "b")
        await bot.send_message(2, "a")
        await bot.send_message(3, "a")
        with pytest.raises(RetryAfter):
            await bot.send_message(4, "a")
    assert api.stats.too_many_requests == 2 and api.stats.sent_count == 3
    assert api.stats.max_global_in_window(1.0) == 3
    assert api.stats.max_per_chat_in_window(1.0) == 1


async def test_client_paced_at_the_limit_gets_no_429(api: FakeBotApi) -> None:
    """Sends paced at exactly 10/s pass a 10/s limit (the grace absorbs arrival jitter)."""
    api.limits.global_per_second = 10
    async with make_bot(api) as bot:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for i in range(14):
            await asyncio.sleep(max(0.0, start + i / 10 - loop.time()))
            await bot.send_message(100 + i, "paced")
    assert api.stats.too_many_requests == 0 and api.stats.sent_count == 14


def test_stats_windows_and_duplicates() -> None:
    """The window maxima and duplicate counts come out right on known data."""
    stats = Stats()
    for at, chat, text in [(0.0, 1, "a"), (0.5, 1, "a"), (0.99, 2, "b"), (1.0, 2, "c"),
                           (1.6, 3, "d"), (3.0, 1, "a")]:
        stats.record_send(chat_id=chat, text=text, at=at)
    assert stats.max_global_in_window(1.0) == 3
    assert stats.max_per_chat_in_window(1.0) == 2
    assert stats.duplicates() == {(1, "a"): 3}
    assert stats.sent_count == 6


# updates and users ---------------------------------------------------------------------------
