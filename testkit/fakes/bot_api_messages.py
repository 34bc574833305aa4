"""How the fake Bot API checks a send's chat, forum topic and reply, and records the message."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from testkit.fakes.bot_api_errors import (
    THREAD_NOT_FOUND,
    TOPIC_CLOSED,
    bad_request,
)
from testkit.fakes.bot_api_html import HtmlError, visible_text
from testkit.fakes.bot_api_state import JSON, BotState, SentMessage, unix_now
from testkit.fakes.bot_api_topics import ForumTopics


class MessageBuilder:
    """Makes the bot's messages: ids, topic fields, replies; `admit(chat_id)` raises 429."""

    def __init__(
        self,
        *,
        state: BotState,
        topics: ForumTopics,
        bot_user: JSON,
        admit: Callable[[int], None],
        on_send: Callable[[SentMessage], None],
    ) -> None:
        self.state = state
        self.topics = topics
        self.bot_user = bot_user
        self.admit = admit
        self.on_send = on_send

    def chat(self, params: JSON, key: str = "chat_id") -> JSON:
        """The chat `params[key]` names, or Telegram's 400."""
        chat_id = params.get(key)
        if chat_id is None or chat_id == "":
            raise bad_request(f"{key} is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise bad_request("chat not found")
        chat = self.state.chat(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def thread(self, chat: JSON, params: JSON) -> int | None:
        """The forum topic a send goes to (None: none), checked as Telegram checks it.

        Like Telegram: outside forums a thread id is ignored, except in private chats where
        it is "not found"; a reply to a topic message without one goes into that topic.
        Unlike Telegram (which reads garbage as 0), a thread id that is not an integer fails.
        """
        raw = params.get("message_thread_id")
        if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int)):
            raise bad_request(THREAD_NOT_FOUND)
        if raw is None or raw <= 0:
            return self._reply_thread(chat, params)
        if chat.get("type") == "private":
            raise bad_request(THREAD_NOT_FOUND)
        if not chat.get("is_forum"):
            return None
        return self.open_topic(chat["id"], raw)

    def open_topic(self, chat_id: int, thread_id: int) -> int:
        """`thread_id` if it is a topic one can post in, else Telegram's 400.

        Telegram still lets a topic's creator or an admin with can_manage_topics post in a
        closed topic; the fake answers TOPIC_CLOSED to everyone (the strict case).
        """
        topic = self.topics.get(chat_id, thread_id)
        if topic is None or topic.deleted:
            raise bad_request(THREAD_NOT_FOUND)
        if topic.closed:
            raise bad_request(TOPIC_CLOSED)
        return thread_id

    def _reply_thread(self, chat: JSON, params: JSON) -> int | None:
        reply_to = reply_to_id(params)
        if reply_to is None or not chat.get("is_forum"):
            return None
        replied = self.state.message_payload(chat["id"], reply_to)
        thread = (replied or {}).get("message_thread_id")
        if not isinstance(thread, int):
            return None
        topic = self.topics.get(chat["id"], thread)
        if topic is None or topic.deleted:
            return None
        return self.open_topic(chat["id"], thread)

    def record(
        self, method: str, chat: JSON, params: JSON, *, thread: int | None, text: str | None,
        visible: str, parse_mode: str | None, markup: JSON | None, extra: JSON,
        caption: str | None = None, photo: bytes | None = None, file_id: str | None = None,
        copied_from: tuple[int, int] | None = None, document: bytes | None = None,
        document_name: str | None = None,
    ) -> SentMessage:
        """Give the message its id, store it and count it as sent."""
        message_id = self.state.next_message_id(chat["id"])
        reply_to = reply_to_id(params)
        payload = message_payload(message_id, self.bot_user, chat, thread)
        payload.update(extra)
        if markup and "inline_keyboard" in markup:
            payload["reply_markup"] = markup
        replied = replied_payload(self.state, chat["id"], reply_to, thread)
        if replied is not None:
            payload["reply_to_message"] = replied
        message = SentMessage(
            message_id=message_id, chat_id=chat["id"], method=method, text=text,
            caption=caption, visible=visible, parse_mode=parse_mode, reply_markup=markup,
            reply_to_message_id=reply_to, message_thread_id=thread, copied_from=copied_from,
            photo=photo, photo_file_id=file_id, document=document,
            document_name=document_name, date=payload["date"],
            sent_at=time.monotonic(), payload=payload,
        )
        self.state.record(message)
        self.on_send(message)
        return message


def message_payload(message_id: int, sender: JSON, chat: JSON, thread: int | None) -> JSON:
    """A Message's own fields, as Telegram sends them, in a topic when `thread` is given."""
    payload: JSON = {"message_id": message_id, "from": sender, "chat": chat, "date": unix_now()}
    if thread is not None:
        payload["message_thread_id"] = thread
        payload["is_topic_message"] = True
    return payload


def replied_payload(
    state: BotState, chat_id: int, reply_to: int | None, thread: int | None
) -> JSON | None:
    """What `reply_to_message` holds: the message replied to or, for a topic message without
    one, the topic's creation message (Telegram's implicit reply). Nested replies are cut."""
    if reply_to is not None:
        replied = state.message_payload(chat_id, reply_to)
    elif thread is not None:
        replied = state.message_payload(chat_id, thread)
    else:
        return None
    if replied is None:
        return None
    return {k: v for k, v in replied.items() if k != "reply_to_message"}


def text_of(value: Any) -> str:
    """A text parameter as a string ("" when missing)."""
    return "" if value is None else str(value)


def visible_of(text: str, parse_mode: Any) -> str:
    """What the user sees of `text` in `parse_mode`, or the 400 for bad HTML."""
    if isinstance(parse_mode, str) and parse_mode.lower() == "html":
        try:
            return visible_text(text)
        except HtmlError as error:
            raise bad_request(str(error)) from None
    return text  # Markdown is passed through unchecked; the bot speaks HTML


def markup_of(value: Any) -> JSON | None:
    """The reply_markup parameter, checked like Telegram checks inline keyboards."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in value.get("inline_keyboard", []):
        for button in row:
            if not str(button.get("text", "")).strip():
                raise bad_request("BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
    return value


def reply_to_id(params: JSON) -> int | None:
    """The message a send replies to, from reply_parameters or the older reply_to_message_id."""
    parameters = params.get("reply_parameters")
    if isinstance(parameters, dict) and isinstance(parameters.get("message_id"), int):
        return int(parameters["message_id"])
    legacy = params.get("reply_to_message_id")
    return legacy if isinstance(legacy, int) else None
