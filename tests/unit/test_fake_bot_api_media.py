"""Media a fake user sends reach PTB as real Message objects, with unique, downloadable files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Update

from testkit.fakes.bot_api import FakeBotApi
from testkit.ptb_apps import TOKEN, make_bot

PATIENT = 501
FORUM = -1001234567890


def seconds(duration: int | timedelta) -> float:
    """A PTB duration in seconds, whichever form PTB_TIMEDELTA gives it."""
    return duration.total_seconds() if isinstance(duration, timedelta) else float(duration)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A fake server in the test's loop."""
    async with FakeBotApi(token=TOKEN) as server:
        yield server


async def test_each_kind_of_media_parses_as_a_ptb_message(api: FakeBotApi) -> None:
    """Photo, voice, video, video note, document and sticker updates parse with their fields."""
    patient = api.user(PATIENT, "Ravi")
    await patient.send_photo("the wound")
    await patient.send_voice(duration=9)
    await patient.send_video("walking", duration=12)
    await patient.send_video_note(duration=6)
    await patient.send_document("discharge.pdf", caption="my papers")
    await patient.send_sticker("🙏")
    async with make_bot(api) as bot:
        updates = await bot.get_updates()
    messages = [u.message for u in updates if u.message is not None]
    assert len(messages) == 6
    photo, voice, video, note, document, sticker = messages
    assert [(p.width, p.height) for p in photo.photo] == [(90, 68), (320, 240), (1280, 960)]
    assert photo.caption == "the wound" and photo.caption_entities == ()
    assert voice.voice is not None
    assert (seconds(voice.voice.duration), voice.voice.mime_type) == (9, "audio/ogg")
    assert voice.caption is None
    assert video.video is not None and seconds(video.video.duration) == 12
    assert video.video.thumbnail is not None and video.caption == "walking"
    assert note.video_note is not None and note.video_note.length == 240
    assert document.document is not None
    assert (document.document.file_name, document.document.mime_type) == (
        "discharge.pdf", "application/pdf")
    assert document.caption == "my papers"
    assert sticker.sticker is not None and sticker.sticker.emoji == "🙏"
    assert sticker.sticker.type == "regular"
    assert all(m.chat.id == PATIENT and m.from_user is not None for m in messages)


async def test_file_ids_are_unique_and_files_download(api: FakeBotApi) -> None:
    """No two files share an id, even across two photos; getFile serves a voice note's bytes."""
    patient = api.user(PATIENT, "Ravi")
    sent = [(await patient.send_photo())["message"], (await patient.send_photo())["message"],
            (await patient.send_voice())["message"], (await patient.send_sticker())["message"]]
    ids = [size["file_id"] for m in sent[:2] for size in m["photo"]]
    ids += [sent[2]["voice"]["file_id"], sent[3]["sticker"]["file_id"]]
    unique_ids = [size["file_unique_id"] for m in sent[:2] for size in m["photo"]]
    assert len(set(ids)) == len(ids) == 8
    assert len(set(unique_ids)) == 6
    async with make_bot(api) as bot:
        file = await bot.get_file(sent[2]["voice"]["file_id"])
        data = await file.download_as_bytearray()
    assert file.file_path is not None and file.file_path.endswith(".oga")
    assert bytes(data) == api.state.files[sent[2]["voice"]["file_id"]]
    # User messages are kept under (chat id, message id), as copyMessage looks them up.
    assert api.state.user_messages[(PATIENT, sent[2]["message_id"])] is sent[2]


async def test_media_in_a_forum_topic_and_caption_edits(api: FakeBotApi) -> None:
    """Media sent in a topic carries the thread; editing a media message changes its caption."""
    api.group(FORUM, forum=True)
    nurse = api.user(601, "Asha")
    async with make_bot(api) as bot:
        thread = (await bot.create_forum_topic(FORUM, "Patient 17")).message_thread_id
        sent = await nurse.send_document("plan.pdf", chat_id=FORUM, thread_id=thread)
        await nurse.edit(sent, "updated plan")
        updates = await bot.get_updates()
    message = Update.de_json(updates[0].to_dict(), bot).message
    assert message is not None and message.message_thread_id == thread
    assert message.is_topic_message and message.document is not None
    assert message.reply_to_message is not None
    assert message.reply_to_message.forum_topic_created is not None
    edited = updates[1].edited_message
    assert edited is not None and edited.caption == "updated plan" and edited.text is None
