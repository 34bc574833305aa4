"""Albums: photos (or files) a patient sends together are one message to the bot: one reply
to the patient, one case post, the copies sent together (copyMessages) and still an album.
Through the running bot, on SQLite and PostgreSQL, in a forum and in a plain staff chat."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.harness import ALERT_CHAT_ID, BotEnv
from tests.e2e.test_erasure_staff_chat import album_gathered
from tests.e2e.test_patient_inbox import joined

CAPTION = "both sides, taken this morning"


async def _album(env: BotEnv, count: int, *, documents: bool = False) -> tuple[int, int]:
    """A patient sends an album: (their messages after it, staff-chat posts after it)."""
    user = await joined(env, 6401)
    patient_before = len(env.sent_to(user.id))
    staff_before = len(env.sent_to(ALERT_CHAT_ID))
    await user.send_album(count, caption=CAPTION, documents=documents)
    await user.expect("passed this to the clinic team")
    await album_gathered(env, count)
    await env.deliver(timedelta(seconds=3))  # the album's copy waits 2 s for its parts
    await env.settle(0.3)
    return (len(env.sent_to(user.id)) - patient_before,
            len(env.sent_to(ALERT_CHAT_ID)) - staff_before)


async def test_an_album_of_ten_photos_is_one_reply_and_one_case_post(
    forum_bot: BotEnv,
) -> None:
    """Ten photos in one album: the patient gets one reply (not ten), staff get one card and
    the ten photos copied in one copyMessages request, in the patient's topic, still one
    album (not twenty posts: a minute of the group's limit)."""
    env = forum_bot
    replies, posts = await _album(env, 10)
    assert replies == 1
    staff = [m for m in env.sent_to(ALERT_CHAT_ID) if m.message_thread_id is not None]
    cards = [m for m in staff if m.buttons]
    copies = [m for m in staff if m.method == "copyMessages"]
    assert len(cards) == 1 and CAPTION in cards[0].visible
    assert len(copies) == 10 and posts == 11
    assert env.api.stats.requests["copyMessages"] == 1
    assert env.api.stats.requests["copyMessage"] == 0
    assert len({m.payload.get("media_group_id") for m in copies}) == 1  # still an album
    assert {m.message_thread_id for m in staff} == {cards[0].message_thread_id}


async def test_an_album_of_documents_in_a_plain_staff_chat(plain_bot: BotEnv) -> None:
    """Three documents sent together, staff chat without topics: one reply, one card, the
    three copied together."""
    env = plain_bot
    replies, posts = await _album(env, 3, documents=True)
    assert (replies, posts) == (1, 4)
    assert env.api.stats.requests["copyMessages"] == 1
