"""Erasure reaches the staff chat: after /forget every post of the bot's about the patient is
edited to an erased text or deleted (copies of their media), their topic renamed and closed
(also one made while they erased, or left behind by a crash), what Telegram refuses is
reported once, and no table holds anything that identifies them. SQLite and PostgreSQL."""

from __future__ import annotations

import warnings
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import MetaData, select
from sqlalchemy.exc import SAWarning
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import ScheduledMessage
from testkit.fakes.bot_api_state import SentMessage
from tests.e2e.harness import ALERT_CHAT_ID, BotEnv
from tests.e2e.test_patient_inbox import LABEL, joined
from tests.e2e.test_staff_topics import posted, topic_of

QUESTION = "Can I bring Quillfeather my parrot to the clinic?"
PHOTO = "cheek Marmalade-Orbit today"
DOCUMENT = "labs-Pemberton.pdf"
DOCUMENT_CAPTION = "results Vexhollow attached"
ALBUM = "both sides Tortoisebright"
RED_FLAG = "pus is coming out and i have fever"
STAFF_ANSWER = "Yes Quillfeather may come, he must stay in his cage."
SECRETS = ("Asha", "Quillfeather", "Marmalade", "Pemberton", "Vexhollow", "Tortoisebright",
           "pus is coming out")
PATIENT_CHAT = 6101
ERASED = ("erased their data", "Details erased")


async def _flush(env: BotEnv) -> None:
    """Delivery until nothing is due, the fake clock moved past every short wait (an
    album's copy, a post waiting for its topic)."""
    for _ in range(3):
        await env.deliver(timedelta(seconds=5))


def _kind(message: SentMessage) -> str:
    """What a staff-chat post was, by what it showed before the erasure."""
    if message.method in ("copyMessage", "copyMessages"):
        return "copy of the patient's media"
    text = message.visible
    if message.buttons:
        return "card"
    if text.startswith("➕ Joins case"):
        return "joined post"
    if text.startswith("Sent to patient"):
        return "relay notice"
    if text.startswith("Only clinic staff"):
        return "refusal"
    return text.split("\n", 1)[0]


async def album_gathered(env: BotEnv, size: int) -> None:
    """Wait until the album's copy holds its `size` messages (the later ones join it as
    the bot handles them; the fake clock holds the copy until the test moves it)."""
    for _ in range(500):
        async with env.ctx.sessions() as session:
            ids = await session.scalar(select(ScheduledMessage.copy_message_ids).where(
                ScheduledMessage.step_id.startswith("album:")))
        if ids is not None and len(ids) == size:
            return
        await env.settle(0.01)
    raise AssertionError(f"the album's copy never held {size} messages")


async def _every_value(engine: AsyncEngine) -> list[tuple[str, Any]]:
    """Every value of every table: (table, value)."""
    metadata = MetaData()
    async with engine.connect() as conn:
        with warnings.catch_warnings():  # SQLite cannot reflect an expression index
            warnings.simplefilter("ignore", SAWarning)
            await conn.run_sync(metadata.reflect)
        found = []
        for table in metadata.sorted_tables:
            for row in await conn.execute(select(table)):
                found += [(table.name, value) for value in row]
    return found


async def _conversation(env: BotEnv) -> tuple[Any, int]:
    """A whole forum conversation: a question, a photo, a document, an album, staff writing
    in the topic, a stranger refused there, a red flag making the case urgent again."""
    user = await joined(env, PATIENT_CHAT)
    patient_id = user.invite.patient_id
    await user.send(QUESTION)
    await user.expect("passed your question")
    await posted(env, "Quillfeather")
    thread = await topic_of(env, patient_id)
    await user.send_photo(PHOTO)
    await user.expect("passed this to the clinic team")
    await user.send_document(DOCUMENT, caption=DOCUMENT_CAPTION)
    await user.expect("passed this to the clinic team")
    await user.send_album(2, caption=ALBUM)
    await user.expect("passed this to the clinic team")
    await album_gathered(env, 2)
    await _flush(env)
    before = len(env.sent_to(user.id))
    await env.staff.send(STAFF_ANSWER, chat_id=ALERT_CHAT_ID, thread_id=thread)
    await env.wait_sent(user.id, before)
    await posted(env, "Sent to patient")
    await env.user(7777, first_name="Visitor").send("who is this?", chat_id=ALERT_CHAT_ID,
                                                     thread_id=thread)
    await posted(env, "Only clinic staff")
    await env.ask(user, RED_FLAG)
    await _flush(env)
    async with env.db() as db:
        [case] = await db.escalations.list_open()
    before = len(env.sent_to(ALERT_CHAT_ID))
    await env.staff.send(f"/case {case.id}", chat_id=ALERT_CHAT_ID)  # in the General topic
    await env.wait_sent(ALERT_CHAT_ID, before)
    return user, thread


async def test_forget_after_a_forum_conversation_erases_every_staff_chat_post(
    forum_bot: BotEnv,
) -> None:
    """After a conversation with photos, a document and an album, /forget: every post of
    the bot's about the patient in the staff chat (in their topic, and a /case answer
    outside it) is edited to the erased text or deleted (copies), the topic renamed to the
    bare id and closed, and no table holds anything that identifies the patient (label,
    words, captions, file name, chat id)."""
    env = forum_bot
    user, thread = await _conversation(env)
    patient_id = user.invite.patient_id
    [answer] = [m for m in env.sent_to(ALERT_CHAT_ID) if m.visible.startswith("Case #")]
    about = [m for m in env.sent_to(ALERT_CHAT_ID) if m.message_thread_id == thread]
    inventory = Counter(_kind(m) for m in about)
    assert inventory == Counter({
        "card": 2,  # the question's case, and again when the red flag made it urgent
        "joined post": 3,  # the photo, the document, the album
        "copy of the patient's media": 4,  # the photo, the document, the album's two
        "relay notice": 1,
        "refusal": 1,
    }), inventory
    assert any(m.method == "copyMessages" for m in about)  # the album, copied together
    await env.ask(user, "/forget")
    await env.press(user, "Yes, erase my data")
    await _flush(env)
    for message in [*about, answer]:  # the /case answer too, though outside the topic
        now = env.api.state.find(ALERT_CHAT_ID, message.message_id)
        assert now is not None
        if _kind(message) == "copy of the patient's media":
            assert now.deleted, f"copy {message.message_id} not deleted"
        else:
            assert any(mark in now.visible for mark in ERASED), now.visible
            assert now.buttons == [] and not any(s in now.visible for s in SECRETS)
    topic = env.api.topic(ALERT_CHAT_ID, thread)
    assert topic.closed and topic.name == f"#{patient_id}"
    values = await _every_value(env.ctx.engine)
    for table, value in values:
        assert value != PATIENT_CHAT, f"the patient's chat id is still in {table}"
        if isinstance(value, str | dict | list):
            for secret in SECRETS:
                assert secret not in str(value), f"{secret!r} is still in {table}"
    log = env.logs.text()
    assert not any(secret in log for secret in SECRETS)


async def test_what_telegram_will_not_remove_is_reported_once(forum_bot: BotEnv) -> None:
    """A copy older than 48 hours cannot be deleted by a bot: its caption is removed, the
    rest is erased, and staff are told once which post is left, with a link to it."""
    env = forum_bot
    user = await joined(env, PATIENT_CHAT)
    patient_id = user.invite.patient_id
    await user.send_photo(PHOTO)
    await user.expect("passed this to the clinic team")
    await _flush(env)
    [copy] = [m for m in env.sent_to(ALERT_CHAT_ID) if m.method == "copyMessage"]
    assert copy.visible == PHOTO
    env.api.state.backdate(ALERT_CHAT_ID, copy.message_id, 49 * 3600)
    await env.ask(user, "/forget")
    await env.press(user, "Yes, erase my data")
    await _flush(env)
    left = env.api.state.find(ALERT_CHAT_ID, copy.message_id)
    assert left is not None and not left.deleted and PHOTO not in left.visible
    reports = [m for m in env.sent_to(ALERT_CHAT_ID) if "did not let the bot remove" in m.visible]
    assert len(reports) == 1
    assert f"Patient #{patient_id}" in reports[0].visible
    assert f"t.me/c/500/{copy.message_id}" in reports[0].text  # a link to what is left
    assert reports[0].message_thread_id is None  # not in the closed topic
    await _flush(env)
    assert len([m for m in env.sent_to(ALERT_CHAT_ID)
                if "did not let the bot remove" in m.visible]) == 1
    # Not also announced as a failed delivery: the report says it.
    assert not any("Delivery failed" in m.visible for m in env.sent_to(ALERT_CHAT_ID))


async def test_a_topic_made_while_the_patient_erases_is_closed(forum_bot: BotEnv) -> None:
    """The patient's topic is being made (Telegram has made it, the bot has not heard back)
    when they erase their data: once the answer comes, the topic is renamed to the bare id
    and closed; the posts that waited for it are never sent."""
    env = forum_bot
    user = await joined(env, PATIENT_CHAT)
    patient_id = user.invite.patient_id
    env.api.faults.for_method("createForumTopic").late_seconds = 3.0
    await user.send(QUESTION)
    await user.expect("passed your question")
    for _ in range(250):
        if env.api.topics(ALERT_CHAT_ID):
            break
        await env.settle(0.02)
    [topic] = env.api.topics(ALERT_CHAT_ID)
    assert topic.name.startswith(f"#{patient_id} · Asha")
    await env.ask(user, "/forget")
    await env.press(user, "Yes, erase my data")
    async with env.ctx.sessions() as session:
        opening = await session.scalar(select(ScheduledMessage.status).where(
            ScheduledMessage.kind == "topic_open"))
    assert opening == "sending"  # the erasure came while the topic was in flight
    for _ in range(500):
        await env.deliver(timedelta(seconds=1))
        if env.api.topic(ALERT_CHAT_ID, topic.message_thread_id).closed:
            break
        await env.settle(0.02)
    made = env.api.topic(ALERT_CHAT_ID, topic.message_thread_id)
    assert made.closed and made.name == f"#{patient_id}"
    assert not any("Quillfeather" in m.visible for m in env.sent_to(ALERT_CHAT_ID))


async def test_a_topic_left_by_a_crash_is_closed_when_seen(forum_bot: BotEnv) -> None:
    """A crash while the topic was being made left one the bot never recorded, named by the
    label; the patient erased their data since. When someone writes in it, it is renamed to
    the bare id and closed, and staff are told nothing reaches the patient."""
    env = forum_bot
    user = await joined(env, PATIENT_CHAT)
    patient_id = user.invite.patient_id
    orphan = await env.app.bot.create_forum_topic(
        ALERT_CHAT_ID, name=f"#{patient_id} · Asha K · Micro mesotherapy (face)")
    await env.ask(user, "/forget")
    await env.press(user, "Yes, erase my data")
    await env.staff.send("Any news?", chat_id=ALERT_CHAT_ID,
                         thread_id=orphan.message_thread_id)
    await posted(env, "Not delivered")
    for _ in range(250):
        await env.deliver(timedelta(seconds=1))
        if env.api.topic(ALERT_CHAT_ID, orphan.message_thread_id).closed:
            break
        await env.settle(0.02)
    topic = env.api.topic(ALERT_CHAT_ID, orphan.message_thread_id)
    assert topic.closed and topic.name == f"#{patient_id}"
    assert LABEL not in topic.name
