"""Media, stickers and messages that join an open case: the inbox decisions (no Telegram)."""

from __future__ import annotations

from services import inbox, inbox_media
from services.context import AppContext
from services.staff_alerts import MediaRef
from tests.integration.services_support import CHAT, NOW, joined

PHOTO = MediaRef(chat_id=CHAT, message_id=12, kind="photo")


async def test_photo_with_a_red_flag_caption_is_urgent_and_carries_the_photo(
    ctx: AppContext,
) -> None:
    await joined(ctx)
    reply = await inbox_media.handle_media(
        ctx, chat_id=CHAT, media=PHOTO, caption="pus is coming out and i have fever",
        fallback_language="en", now=NOW,
    )
    assert reply.kind == "urgent" and reply.html
    assert reply.alert is not None and reply.alert.kind == "red_flag"
    assert reply.alert.media == PHOTO


async def test_photo_without_caption_is_passed_to_the_team(ctx: AppContext) -> None:
    await joined(ctx)
    reply = await inbox_media.handle_media(ctx, chat_id=CHAT, media=PHOTO, caption=None,
                                           fallback_language="en", now=NOW)
    assert reply.kind == "media" and reply.html == ""
    assert reply.alert is not None and reply.alert.kind == "media"
    assert reply.alert.words == "[photo]" and reply.alert.media == PHOTO


async def test_photo_with_a_question_gets_the_answer_and_still_reaches_the_team(
    ctx: AppContext,
) -> None:
    await joined(ctx)
    reply = await inbox_media.handle_media(ctx, chat_id=CHAT, media=PHOTO,
                                           caption="can I drink alcohol",
                                           fallback_language="en", now=NOW)
    assert reply.kind == "media" and "alcohol" in reply.html
    assert reply.alert is not None and reply.alert.media == PHOTO


async def test_media_from_a_stranger_forwards_nothing(ctx: AppContext) -> None:
    reply = await inbox_media.handle_media(
        ctx, chat_id=999, media=MediaRef(chat_id=999, message_id=1, kind="voice"),
        caption=None, fallback_language="en", now=NOW,
    )
    assert reply.kind == "stranger" and reply.alert is None


async def test_small_talk_opens_no_case_but_joins_an_open_one(ctx: AppContext) -> None:
    """"ok" and a sticker: a friendly answer and no case; once a case is open, both join it
    (staff see the whole conversation), and an FAQ question joins it too."""
    await joined(ctx)
    for text in ("ok", "thanks", "👍", "thank you doctor 🙏", "Hi"):
        reply = await inbox.handle_text(ctx, chat_id=CHAT, text=text, fallback_language="en",
                                        now=NOW)
        assert reply.kind == "smalltalk" and reply.alert is None, text
    sticker = await inbox_media.handle_sticker(ctx, chat_id=CHAT, emoji="👍",
                                               fallback_language="en", now=NOW)
    assert sticker.kind == "smalltalk" and sticker.alert is None
    question = await inbox.handle_text(ctx, chat_id=CHAT, text="qwerty zxcv",
                                       fallback_language="en", now=NOW)
    assert question.alert is not None
    assert question.alerted  # handle_text stored its case in the same transaction
    ok = await inbox.handle_text(ctx, chat_id=CHAT, text="ok yes please book saturday 11",
                                 fallback_language="en", now=NOW)
    assert ok.alert is not None and ok.alert.words == "ok yes please book saturday 11"
    thanks = await inbox.handle_text(ctx, chat_id=CHAT, text="thanks", fallback_language="en",
                                     now=NOW)
    assert thanks.kind == "smalltalk" and thanks.alert is not None
    assert thanks.alert.kind == "message"
    sticker = await inbox_media.handle_sticker(ctx, chat_id=CHAT, emoji="👍",
                                               fallback_language="en", now=NOW)
    assert sticker.alert is not None and sticker.alert.words == "[sticker 👍]"
    faq = await inbox.handle_text(ctx, chat_id=CHAT, text="can I drink alcohol",
                                  fallback_language="en", now=NOW)
    assert faq.kind == "faq" and faq.alert is not None and faq.alert.kind == "message"
