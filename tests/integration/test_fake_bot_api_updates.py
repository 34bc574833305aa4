"""The fake Bot API's updates side: long polling, webhooks, a polling Application, threads."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from testkit.fakes.bot_api import FakeBotApi
from testkit.ptb_apps import TOKEN, make_bot, start_app, stop_app

Ctx = ContextTypes.DEFAULT_TYPE


async def test_long_poll_wakes_when_an_update_is_queued(api: FakeBotApi) -> None:
    """getUpdates with timeout 10 returns as soon as a user sends, with offset confirming."""
    user = api.user(7, "Asha", language_code="hi")
    async with make_bot(api) as bot:
        asyncio.get_running_loop().call_later(0.1, api.push_update,
                                              {"message": user._message(user.chat, "hello")})
        started = time.monotonic()
        updates = await bot.get_updates(timeout=10, read_timeout=15)
        assert time.monotonic() - started < 2
        assert updates[0].message is not None and updates[0].message.text == "hello"
        assert updates[0].effective_user is not None
        assert updates[0].effective_user.language_code == "hi"
        assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()


async def test_get_updates_filters_and_a_second_poller_conflicts(api: FakeBotApi) -> None:
    """allowed_updates filters what is returned; a newer getUpdates ends the older one (409)."""
    user = api.user(8, "Ravi")
    async with make_bot(api) as bot:
        api.push_update({"message": user._message(user.chat, "text")})
        await user.block_bot()
        only = await bot.get_updates(timeout=0, allowed_updates=["my_chat_member"])
        assert [u.my_chat_member is not None for u in only] == [True]
        waiting = asyncio.create_task(bot.get_updates(offset=only[0].update_id + 1, timeout=5,
                                                      read_timeout=10))
        await asyncio.sleep(0.2)
        async with httpx.AsyncClient() as client:  # PTB's getUpdates pool holds one request
            second = await client.post(f"{api.url}/bot{TOKEN}/getUpdates", json={"timeout": 0})
        assert second.json()["ok"] is True
        with pytest.raises(Exception, match="terminated by other getUpdates"):
            await waiting


async def test_waiting_for_a_message_that_never_comes_times_out(api: FakeBotApi) -> None:
    """wait_for raises TimeoutError naming the chat; expect_nothing passes on silence."""
    user = api.user(9, "Quiet")
    with pytest.raises(TimeoutError, match="chat 9"):
        await api.wait_for(9, "never", timeout=0.1)
    await user.expect_nothing(0.05)


async def test_polling_application_handles_message_press_and_block(api: FakeBotApi) -> None:
    """A real Application gets /start with its argument, a button press and a block update."""
    seen: list[str] = []

    async def start(update: Update, context: Ctx) -> None:
        seen.append(f"start:{context.args}")
        assert update.effective_chat is not None
        await context.bot.send_message(
            update.effective_chat.id, "Do you agree?",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Yes, I agree",
                                                                     callback_data="consent")]]))

    async def pressed(update: Update, context: Ctx) -> None:
        assert update.callback_query is not None
        seen.append(f"press:{update.callback_query.data}")
        await update.callback_query.answer("Thanks")
        await update.callback_query.edit_message_reply_markup(None)

    async def blocked(update: Update, context: Ctx) -> None:
        assert update.my_chat_member is not None
        seen.append(f"member:{update.my_chat_member.new_chat_member.status}")

    app = await start_app(api, [CommandHandler("start", start), CallbackQueryHandler(pressed),
                                ChatMemberHandler(blocked, ChatMemberHandler.MY_CHAT_MEMBER)])
    try:
        user = api.user(5001, "Pat")
        await user.send("/start INVITECODE")
        assert (await user.expect("Do you agree?")).buttons[0].text == "Yes, I agree"
        await user.press("Yes")
        await api.wait_for(5001, lambda m: not m.buttons)
        await user.block_bot()
        for _ in range(100):
            if len(seen) == 3:
                break
            await asyncio.sleep(0.02)
    finally:
        await stop_app(app)
    assert seen == ["start:['INVITECODE']", "press:consent", "member:kicked"]
    assert [a.text for a in api.callback_answers] == ["Thanks"]
    assert 5001 in api.faults.blocked_chats


async def test_staff_reply_in_group_carries_the_alert(api: FakeBotApi) -> None:
    """A staff reply in the alert group reaches the bot with reply_to_message = the alert."""
    replies: list[tuple[str | None, int | None]] = []

    async def on_reply(update: Update, context: Ctx) -> None:
        message = update.effective_message
        assert message is not None and message.reply_to_message is not None
        replies.append((message.text, message.reply_to_message.message_id))

    api.group(-100500, "Clinic staff")
    app = await start_app(api, [MessageHandler(filters.REPLY & filters.ChatType.GROUPS,
                                               on_reply)])
    try:
        alert = await app.bot.send_message(-100500, "Patient asks about swelling")
        staff = api.user(1000, "Nurse")
        sent = api.sent_to(-100500)[0]
        await staff.reply_to(sent, "Cold compress, 10 minutes")
        for _ in range(100):
            if replies:
                break
            await asyncio.sleep(0.02)
    finally:
        await stop_app(app)
    assert replies == [("Cold compress, 10 minutes", alert.message_id)]


async def test_webhook_mode_posts_updates_with_the_secret(api: FakeBotApi) -> None:
    """setWebhook is recorded; updates are POSTed with the secret; getUpdates conflicts (409)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    texts: list[str | None] = []

    async def echo(update: Update, context: Ctx) -> None:
        assert update.effective_message is not None
        texts.append(update.effective_message.text)

    app = (Application.builder().token(api.token).base_url(f"{api.url}/bot").build())
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1", port=port, url_path="hook",
            webhook_url=f"http://127.0.0.1:{port}/hook", secret_token="s3cret",
        )
        try:
            assert api.state.webhook is not None and api.state.webhook.secret_token == "s3cret"
            await api.user(9, "Web").send("via webhook")
            assert api.last_webhook_status == 200
            with pytest.raises(Exception, match="webhook is active"):
                await app.bot.get_updates()
            for _ in range(100):
                if texts:
                    break
                await asyncio.sleep(0.02)
        finally:
            await app.updater.stop()
            await app.stop()
    assert texts == ["via webhook"]


def test_in_thread_mode_serves_a_bot_from_another_loop() -> None:
    """The threaded server answers a Bot running in this thread's own loop."""
    with FakeBotApi.in_thread(token=TOKEN) as server:
        user = server.user(21, "Thread")

        async def talk() -> None:
            async with make_bot(server) as bot:
                await bot.send_message(21, "from another loop")
                await user.send("hi")
                updates = await bot.get_updates(timeout=1)
                assert updates[0].message is not None and updates[0].message.text == "hi"

        asyncio.run(talk())
        found = server.wait_for_blocking(21, "another loop", timeout=2)
    assert found.chat_id == 21 and server.stats.sent_count == 1
