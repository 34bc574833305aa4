"""The fake Bot API's forum topics, topic sends, copies and group limit, driven by PTB's Bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram import MessageOriginUser, ReplyParameters
from telegram.error import BadRequest, RetryAfter

from testkit.fakes.bot_api import FakeBotApi
from testkit.fakes.bot_api_stats import Stats
from testkit.ptb_apps import TOKEN, make_bot

FORUM = -1001234567890
PLAIN_GROUP = -1009876543210
PATIENT = 501
NURSE = 601


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A fake server in the test's loop with one forum and one plain supergroup."""
    async with FakeBotApi(token=TOKEN) as server:
        server.group(FORUM, "Clinic staff", forum=True)
        server.group(PLAIN_GROUP, "Old staff chat")
        yield server


def described(api: FakeBotApi, method: str, description: str) -> bool:
    """Whether the fake answered `method` with exactly this 400 description."""
    return (method, 400, f"Bad Request: {description}") in api.stats.error_details


async def call(api: FakeBotApi, method: str, **params: Any) -> httpx.Response:
    """One raw JSON request, for what PTB's typed methods would never send."""
    async with httpx.AsyncClient() as client:
        return await client.post(f"{api.url}/bot{api.token}/{method}", json=params)


# topics --------------------------------------------------------------------------------------


async def test_a_forum_group_says_so_in_get_chat(api: FakeBotApi) -> None:
    """getChat shows is_forum for a forum group only; a basic group cannot be a forum."""
    async with make_bot(api) as bot:
        forum = await bot.get_chat(FORUM)
        plain = await bot.get_chat(PLAIN_GROUP)
    assert (forum.type, forum.is_forum) == ("supergroup", True)
    assert not plain.is_forum
    with pytest.raises(ValueError, match="supergroup"):
        api.group(-42, forum=True)


async def test_topic_lifecycle_is_remembered(api: FakeBotApi) -> None:
    """create, edit, close, reopen and delete answer like Telegram and leave a history."""
    async with make_bot(api) as bot:
        topic = await bot.create_forum_topic(FORUM, "Patient 17", icon_color=0xFFD67E)
        thread = topic.message_thread_id
        assert await bot.edit_forum_topic(FORUM, thread, name="Patient 17 (urgent)")
        assert await bot.close_forum_topic(FORUM, thread)
        assert api.topic(FORUM, thread).closed
        assert await bot.reopen_forum_topic(FORUM, thread)
        other = await bot.create_forum_topic(FORUM, "Patient 18")
        assert await bot.delete_forum_topic(FORUM, other.message_thread_id)
    assert (topic.name, topic.icon_color) == ("Patient 17", 0xFFD67E)
    assert other.icon_color == 0x6FB9F0  # the default colour
    stored = api.topic(FORUM, thread)
    assert (stored.name, stored.closed, stored.deleted) == ("Patient 17 (urgent)", False, False)
    assert [e.action for e in stored.history] == ["create", "edit", "close", "reopen"]
    assert stored.names == ["Patient 17", "Patient 17 (urgent)"]
    assert [t.message_thread_id for t in api.topics(FORUM)] == [thread, other.message_thread_id]
    assert api.topic(FORUM, other.message_thread_id).deleted
    created = api.service_messages(FORUM)[0]
    # Like Telegram: the topic id is its creation message's id (id 1 is the General topic's).
    assert created["message_id"] == thread == 2
    assert created["forum_topic_created"] == {"name": "Patient 17", "icon_color": 0xFFD67E}
    kinds = [next(k for k in m if k.startswith("forum_topic_")) for m in
             api.service_messages(FORUM)]
    assert kinds == ["forum_topic_created", "forum_topic_edited", "forum_topic_closed",
                     "forum_topic_reopened", "forum_topic_created"]


async def test_topic_methods_refuse_like_telegram(api: FakeBotApi) -> None:
    """Non-forum chats, unknown or deleted topics, no-op changes and bad names get the 400s."""
    async with make_bot(api) as bot:
        with pytest.raises(BadRequest, match="The chat is not a forum"):
            await bot.create_forum_topic(PLAIN_GROUP, "Patient 1")
        with pytest.raises(BadRequest, match="Name must be non-empty"):
            await bot.create_forum_topic(FORUM, " \n ")
        with pytest.raises(BadRequest, match="Invalid icon color specified"):
            await bot.create_forum_topic(FORUM, "Patient 1", icon_color=0x123456)
        thread = (await bot.create_forum_topic(FORUM, "Patient 1")).message_thread_id
        with pytest.raises(BadRequest, match="Topic_id_invalid"):
            await bot.close_forum_topic(FORUM, thread + 50)
        with pytest.raises(BadRequest, match="Topic_not_modified"):
            await bot.reopen_forum_topic(FORUM, thread)
        with pytest.raises(BadRequest, match="Topic_not_modified"):
            await bot.edit_forum_topic(FORUM, thread, name="Patient 1")
        await bot.delete_forum_topic(FORUM, thread)
        with pytest.raises(BadRequest, match="Topic_id_invalid"):
            await bot.edit_forum_topic(FORUM, thread, name="Patient 1b")
        with pytest.raises(BadRequest, match="The chat is not a forum"):
            await bot.close_forum_topic(PLAIN_GROUP, thread)
        long = await bot.create_forum_topic(FORUM, "x" * 200)
    assert described(api, "createForumTopic", "the chat is not a forum")
    assert described(api, "closeForumTopic", "TOPIC_ID_INVALID")
    assert described(api, "reopenForumTopic", "TOPIC_NOT_MODIFIED")
    assert len(long.name) == 128  # Telegram cuts a long name rather than refusing it
    missing = await call(api, "closeForumTopic", chat_id=FORUM)
    assert missing.json()["description"] == "Bad Request: invalid forum topic identifier specified"
    no_chat = await call(api, "createForumTopic", name="Patient 2")
    assert no_chat.json() == {"ok": False, "error_code": 400,
                              "description": "Bad Request: chat_id is empty"}


# sending into topics -------------------------------------------------------------------------


async def test_messages_sent_into_a_topic_carry_it(api: FakeBotApi) -> None:
    """A send with message_thread_id lands in the topic, replying implicitly to its start."""
    async with make_bot(api) as bot:
        thread = (await bot.create_forum_topic(FORUM, "Patient 17")).message_thread_id
        text = await bot.send_message(FORUM, "New red flag", message_thread_id=thread)
        photo = await bot.send_photo(FORUM, b"\x89PNG-qr", caption="QR",
                                     message_thread_id=thread)
        general = await bot.send_message(FORUM, "For everyone")
    assert (text.message_thread_id, text.is_topic_message) == (thread, True)
    assert text.reply_to_message is not None
    assert text.reply_to_message.forum_topic_created is not None
    assert text.reply_to_message.forum_topic_created.name == "Patient 17"
    assert photo.message_thread_id == thread and photo.caption == "QR"
    assert general.message_thread_id is None and not general.is_topic_message
    recorded = api.sent_to(FORUM)
    assert [m.message_thread_id for m in recorded] == [thread, thread, None]
    assert recorded[0].payload["is_topic_message"] is True


async def test_closed_deleted_and_unknown_threads_are_refused(api: FakeBotApi) -> None:
    """TOPIC_CLOSED for a closed topic; 'message thread not found' for the rest."""
    async with make_bot(api) as bot:
        thread = (await bot.create_forum_topic(FORUM, "Patient 17")).message_thread_id
        await bot.close_forum_topic(FORUM, thread)
        with pytest.raises(BadRequest, match="Topic_closed"):
            await bot.send_message(FORUM, "hello", message_thread_id=thread)
        await bot.reopen_forum_topic(FORUM, thread)
        await bot.send_message(FORUM, "hello again", message_thread_id=thread)
        for unknown in (thread + 7, 1):  # 1 is the General topic: never a thread to name
            with pytest.raises(BadRequest, match="Message thread not found"):
                await bot.send_message(FORUM, "lost", message_thread_id=unknown)
        await bot.delete_forum_topic(FORUM, thread)
        with pytest.raises(BadRequest, match="Message thread not found"):
            await bot.send_photo(FORUM, b"png", message_thread_id=thread)
        with pytest.raises(BadRequest, match="Message thread not found"):
            await bot.send_message(PATIENT, "private", message_thread_id=thread)
        # Outside forums Telegram ignores the thread id.
        plain = await bot.send_message(PLAIN_GROUP, "plain", message_thread_id=thread)
    assert plain.message_thread_id is None
    assert described(api, "sendMessage", "TOPIC_CLOSED")
    assert described(api, "sendMessage", "message thread not found")
    assert [m.visible for m in api.sent_to(FORUM)] == ["hello again"]
    wrong_type = await call(api, "sendMessage", chat_id=FORUM, text="x",
                            message_thread_id="patient-17")
    assert wrong_type.status_code == 400


async def test_staff_write_in_a_topic_and_replies_stay_there(api: FakeBotApi) -> None:
    """A staff message in a topic carries it; a reply to a topic message stays in the topic."""
    nurse = api.user(NURSE, "Asha")
    async with make_bot(api) as bot:
        thread = (await bot.create_forum_topic(FORUM, "Patient 17")).message_thread_id
        alert = await bot.send_message(FORUM, "Fever 39.5", message_thread_id=thread)
        written = (await nurse.send("Calling now", chat_id=FORUM, thread_id=thread))["message"]
        replied = (await nurse.reply_to(api.sent_to(FORUM)[0], "On it"))["message"]
        general = (await nurse.send("Shift change", chat_id=FORUM))["message"]
        # The bot answering the nurse's reply without naming the thread still lands there.
        answer = await bot.send_message(FORUM, "Noted", reply_parameters=ReplyParameters(
            replied["message_id"]))
    assert (written["message_thread_id"], written["is_topic_message"]) == (thread, True)
    assert written["reply_to_message"]["forum_topic_created"]["name"] == "Patient 17"
    assert replied["message_thread_id"] == thread
    assert replied["reply_to_message"]["message_id"] == alert.message_id
    assert "message_thread_id" not in general and "reply_to_message" not in general
    assert answer.message_thread_id == thread
    with pytest.raises(LookupError):
        await nurse.send("lost", chat_id=FORUM, thread_id=thread + 40)
    with pytest.raises(ValueError, match="not a forum"):
        await nurse.send("lost", chat_id=PLAIN_GROUP, thread_id=thread)


# copies --------------------------------------------------------------------------------------


async def test_a_patients_photo_and_voice_are_copied_into_a_topic(api: FakeBotApi) -> None:
    """copyMessage re-sends a user's media by reference into a topic, recording its origin."""
    patient = api.user(PATIENT, "Ravi")
    photo = (await patient.send_photo("my wound today"))["message"]
    voice = (await patient.send_voice(duration=7))["message"]
    async with make_bot(api) as bot:
        thread = (await bot.create_forum_topic(FORUM, "Patient 17")).message_thread_id
        first = await bot.copy_message(FORUM, PATIENT, photo["message_id"],
                                       message_thread_id=thread)
        second = await bot.copy_message(FORUM, PATIENT, voice["message_id"],
                                        message_thread_id=thread, caption="<b>voice</b>",
                                        parse_mode="HTML")
    copies = api.sent_to(FORUM)
    assert [m.message_id for m in copies] == [first.message_id, second.message_id]
    assert [m.method for m in copies] == ["copyMessage", "copyMessage"]
    assert copies[0].copied_from == (PATIENT, photo["message_id"])
    assert copies[0].payload["photo"] == photo["photo"]
    assert copies[0].caption == copies[0].visible == "my wound today"
    assert copies[0].photo_file_id == photo["photo"][-1]["file_id"]
    assert copies[1].payload["voice"] == voice["voice"]
    assert (copies[1].caption, copies[1].visible) == ("<b>voice</b>", "voice")
    assert copies[1].payload["caption"] == "voice"
    assert all(m.message_thread_id == thread for m in copies)
    assert copies[1].payload["message_thread_id"] == thread
    assert api.stats.delivered(FORUM, "my wound today") == 1


async def test_copy_refuses_unknown_and_service_messages(api: FakeBotApi) -> None:
    """Unknown sources are 'not found', topic service messages can't be copied; bot
    messages and staff messages can be."""
    nurse = api.user(NURSE, "Asha")
    async with make_bot(api) as bot:
        with pytest.raises(BadRequest, match="Message to copy not found"):
            await bot.copy_message(FORUM, PATIENT, 999)
        thread = (await bot.create_forum_topic(FORUM, "Patient 17")).message_thread_id
        with pytest.raises(BadRequest, match="The message can't be copied"):
            await bot.copy_message(PATIENT, FORUM, thread)
        own = await bot.send_message(PATIENT, "Take your tablets")
        again = await bot.copy_message(FORUM, PATIENT, own.message_id,
                                       message_thread_id=thread)
        staff = (await nurse.send("Dressing change at 5", chat_id=FORUM,
                                  thread_id=thread))["message"]
        relayed = await bot.copy_message(PATIENT, FORUM, staff["message_id"])
    assert described(api, "copyMessage", "message to copy not found")
    assert api.state.find(FORUM, again.message_id) is not None
    assert api.sent_to(FORUM)[-1].text == "Take your tablets"
    copy = api.state.find(PATIENT, relayed.message_id)
    assert copy is not None and copy.visible == "Dressing change at 5"
    assert copy.message_thread_id is None and "is_topic_message" not in copy.payload
    missing = await call(api, "copyMessage", chat_id=FORUM, message_id=1)
    assert missing.json()["description"] == 'Bad Request: parameter "from_chat_id" is required'


async def test_forward_keeps_the_origin(api: FakeBotApi) -> None:
    """forwardMessage answers the new Message with forward_origin naming the sender."""
    patient = api.user(PATIENT, "Ravi")
    sent = (await patient.send("It hurts"))["message"]
    async with make_bot(api) as bot:
        forwarded = await bot.forward_message(FORUM, PATIENT, sent["message_id"])
    assert forwarded.text == "It hurts"
    assert isinstance(forwarded.forward_origin, MessageOriginUser)
    assert forwarded.forward_origin.sender_user.id == PATIENT
    assert api.sent_to(FORUM)[0].method == "forwardMessage"


# the group limit -----------------------------------------------------------------------------


async def test_group_limit_answers_429_for_groups_only(api: FakeBotApi) -> None:
    """Past N sends in the window a group gets RetryAfter; private chats and topic methods
    are not counted; after the window the group may send again."""
    api.limits.per_group_per_minute = 3
    api.limits.group_window_seconds = 0.4
    patient = api.user(PATIENT, "Ravi")
    photo = (await patient.send_photo())["message"]
    async with make_bot(api) as bot:
        for i in range(6):
            await bot.send_message(PATIENT, f"private {i}")
        await bot.send_message(FORUM, "one")
        await bot.send_photo(FORUM, b"png")
        await bot.copy_message(FORUM, PATIENT, photo["message_id"])
        with pytest.raises(RetryAfter):
            await bot.send_message(FORUM, "four")
        with pytest.raises(RetryAfter):
            await bot.copy_message(FORUM, PATIENT, photo["message_id"])
        topic = await bot.create_forum_topic(FORUM, "Patient 17")
        await bot.close_forum_topic(FORUM, topic.message_thread_id)
        await bot.send_message(PLAIN_GROUP, "another group has its own window")
        await asyncio.sleep(0.45)
        await bot.send_message(FORUM, "after the window")
    assert api.stats.too_many_requests == 2
    assert api.stats.max_in_window(FORUM, 0.4) == 3
    assert api.stats.max_in_window(PATIENT, 1.0) == 6
    assert api.stats.max_per_group_in_window(0.4) == 3


def test_window_statistics_per_chat() -> None:
    """max_in_window counts one chat's sends in the fullest span of the given width."""
    stats = Stats()
    for at, chat in [(0.0, -5), (1.0, -5), (2.0, 7), (2.5, -5), (3.9, -5), (7.0, -5), (7.1, -6)]:
        stats.record_send(chat_id=chat, text="x", at=at)
    assert stats.max_in_window(-5, 4.0) == 4
    assert stats.max_in_window(-5, 3.0) == 3
    assert stats.max_in_window(7, 60.0) == 1
    assert stats.max_in_window(99, 60.0) == 0
    assert stats.max_per_group_in_window(1.0) == 1
    assert stats.max_per_group_in_window(60.0) == 5
