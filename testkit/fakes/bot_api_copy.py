"""copyMessage and forwardMessage in the fake Bot API: a known message's content, sent anew."""

from __future__ import annotations

import itertools

from testkit.fakes.bot_api_errors import (
    CANT_COPY,
    CANT_FORWARD,
    COPY_NOT_FOUND,
    FORWARD_NOT_FOUND,
    bad_request,
)
from testkit.fakes.bot_api_messages import MessageBuilder, markup_of, text_of, visible_of
from testkit.fakes.bot_api_state import JSON, BotState

COPY_METHOD_NAMES = ("copyMessage", "copyMessages", "forwardMessage")
MAX_COPIES = 100  # copyMessages takes 1-100 message ids
CAPTION_LIMIT = 1024
# What a copy or a forward takes from the original message (a copy may replace the caption).
_CONTENT = (
    "text", "entities", "link_preview_options", "photo", "voice", "video", "video_note",
    "document", "sticker", "audio", "animation", "caption", "caption_entities", "location",
    "contact", "has_media_spoiler", "show_caption_above_media",
)
# Content types that carry a caption, so a copy's new caption applies to them.
_CAPTIONED = ("photo", "voice", "video", "document", "audio", "animation")


class CopyMethods:
    """Copies and forwards of messages the fake knows: users' messages and the bot's own."""

    def __init__(self, *, state: BotState, messages: MessageBuilder) -> None:
        self.state = state
        self.messages = messages

    def copyMessage(self, params: JSON, files: dict[str, bytes]) -> JSON:
        source, original = self._original(params, COPY_NOT_FOUND, CANT_COPY)
        chat = self.messages.chat(params)
        content = {k: v for k, v in original.items() if k in _CONTENT}
        parse_mode = params.get("parse_mode")
        caption = content.get("caption")
        raw_caption = caption
        if "caption" in params and any(k in content for k in _CAPTIONED):
            raw_caption = text_of(params.get("caption"))
            caption = visible_of(raw_caption, parse_mode) if raw_caption else None
            if caption is not None and len(caption) > CAPTION_LIMIT:
                raise bad_request("message caption is too long")
            content.pop("caption_entities", None)
            content.pop("caption", None)
            if caption:
                content["caption"] = caption
        markup = markup_of(params.get("reply_markup"))
        thread = self.messages.thread(chat, params)
        self.messages.admit(chat["id"])
        text = content.get("text")
        message = self.messages.record(
            "copyMessage", chat, params, thread=thread, text=text,
            visible=text if text is not None else (caption or ""), parse_mode=parse_mode,
            markup=markup, extra=content, caption=raw_caption or None,
            file_id=_photo_id(content), copied_from=source,
        )
        return {"message_id": message.message_id}

    def copyMessages(self, params: JSON, files: dict[str, bytes]) -> list[JSON]:
        """Several messages of one chat copied together, in order; like Telegram, those
        that cannot be found are skipped and an album stays an album (a new
        media_group_id shared by its copies). Captions stay unless `remove_caption`."""
        if params.get("from_chat_id") in (None, ""):
            raise bad_request('parameter "from_chat_id" is required')
        from_chat = self.messages.chat(params, "from_chat_id")
        ids = params.get("message_ids")
        if (not isinstance(ids, list) or not 1 <= len(ids) <= MAX_COPIES
                or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0
                           for i in ids)):
            raise bad_request("message identifiers are invalid")
        if any(later <= earlier for earlier, later in itertools.pairwise(ids)):
            raise bad_request("message identifiers must be in strictly increasing order")
        chat = self.messages.chat(params)
        thread = self.messages.thread(chat, params)
        self.messages.admit(chat["id"])  # one request; the fake counts it once
        groups: dict[str, str] = {}
        copied: list[JSON] = []
        for message_id in ids:
            key = (from_chat["id"], message_id)
            with self.state.cond:
                is_service = key in self.state.service_messages
            original = None if is_service else self.state.message_payload(*key)
            if original is None:
                continue
            content = {k: v for k, v in original.items() if k in _CONTENT}
            if params.get("remove_caption"):
                content.pop("caption", None)
                content.pop("caption_entities", None)
            group = original.get("media_group_id")
            if isinstance(group, str):
                content["media_group_id"] = groups.setdefault(
                    group, self.state.new_file_id("album"))
            text = content.get("text")
            caption = content.get("caption")
            message = self.messages.record(
                "copyMessages", chat, params, thread=thread, text=text,
                visible=text if text is not None else (caption or ""), parse_mode=None,
                markup=None, extra=content, caption=caption, file_id=_photo_id(content),
                copied_from=key,
            )
            copied.append({"message_id": message.message_id})
        if not copied:
            raise bad_request(COPY_NOT_FOUND)
        return copied

    def forwardMessage(self, params: JSON, files: dict[str, bytes]) -> JSON:
        source, original = self._original(params, FORWARD_NOT_FOUND, CANT_FORWARD)
        chat = self.messages.chat(params)
        content = {k: v for k, v in original.items() if k in _CONTENT}
        origin = original.get("forward_origin") or {
            "type": "user", "date": original.get("date", 0), "sender_user": original.get("from"),
        }
        content["forward_origin"] = origin
        if origin.get("type") == "user":
            content["forward_from"] = origin["sender_user"]
        content["forward_date"] = origin["date"]
        thread = self.messages.thread(chat, params)
        self.messages.admit(chat["id"])
        text = content.get("text")
        caption = content.get("caption")
        message = self.messages.record(
            "forwardMessage", chat, params, thread=thread, text=text,
            visible=text if text is not None else (caption or ""), parse_mode=None,
            markup=None, extra=content, caption=caption, file_id=_photo_id(content),
            copied_from=source,
        )
        return message.payload

    def _original(
        self, params: JSON, not_found: str, refused: str
    ) -> tuple[tuple[int, int], JSON]:
        """The (chat id, message id) and Message JSON of the message to copy or forward."""
        if params.get("from_chat_id") in (None, ""):
            raise bad_request('parameter "from_chat_id" is required')
        from_chat = self.messages.chat(params, "from_chat_id")
        message_id = params.get("message_id")
        if isinstance(message_id, bool) or not isinstance(message_id, int) or message_id <= 0:
            raise bad_request(not_found)
        key = (from_chat["id"], message_id)
        with self.state.cond:
            is_service = key in self.state.service_messages
        if is_service:
            raise bad_request(refused)
        original = self.state.message_payload(*key)
        if original is None or self._in_deleted_topic(from_chat["id"], original):
            raise bad_request(not_found)
        return key, original

    def _in_deleted_topic(self, chat_id: int, message: JSON) -> bool:
        # Deleting a topic deletes its messages in Telegram; the fake only keeps its record.
        thread = message.get("message_thread_id")
        if not isinstance(thread, int):
            return False
        topic = self.messages.topics.get(chat_id, thread)
        return topic is not None and topic.deleted


def _photo_id(content: JSON) -> str | None:
    sizes = content.get("photo")
    if isinstance(sizes, list) and sizes:
        return str(sizes[-1].get("file_id"))
    return None
