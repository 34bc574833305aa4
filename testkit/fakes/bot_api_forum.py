"""The forum topic methods of the fake Bot API: create, edit, close, reopen, delete."""

from __future__ import annotations

import re
from typing import Any

from testkit.fakes.bot_api_errors import (
    ICON_COLOR_INVALID,
    NAME_EMPTY,
    NOT_A_FORUM,
    TOPIC_ID_INVALID,
    TOPIC_ID_MALFORMED,
    TOPIC_NOT_MODIFIED,
    bad_request,
)
from testkit.fakes.bot_api_messages import MessageBuilder
from testkit.fakes.bot_api_state import JSON, BotState, unix_now
from testkit.fakes.bot_api_topics import ICON_COLORS, NAME_LIMIT, ForumTopics, Topic

FORUM_METHOD_NAMES = (
    "createForumTopic", "editForumTopic", "closeForumTopic", "reopenForumTopic",
    "deleteForumTopic",
)
_SPACES = re.compile(r"[ \n\u00a0]+")


class ForumMethods:
    """Topics in forum supergroups; each change posts its service message like Telegram."""

    def __init__(self, *, state: BotState, topics: ForumTopics, messages: MessageBuilder) -> None:
        self.state = state
        self.topics = topics
        self.messages = messages

    def createForumTopic(self, params: JSON, files: dict[str, bytes]) -> JSON:
        chat = self._forum(params)
        name = _clean_name(params.get("name"))
        if not name:
            raise bad_request(NAME_EMPTY)
        color = params.get("icon_color")
        if color is None:
            color = ICON_COLORS[0]
        # Telegram documents six colours; what it does with others is unverified: refused here.
        if isinstance(color, bool) or color not in ICON_COLORS:
            raise bad_request(ICON_COLOR_INVALID)
        emoji = _emoji(params.get("icon_custom_emoji_id"))
        # The topic's id is the id of its creation message, taken from the chat's sequence.
        thread_id = self.state.next_message_id(chat["id"])
        topic = self.topics.add(Topic(
            chat_id=chat["id"], message_thread_id=thread_id, name=name, icon_color=color,
            icon_custom_emoji_id=emoji or None,
        ))
        created: JSON = {"name": name, "icon_color": color}
        if emoji:
            created["icon_custom_emoji_id"] = emoji
        self._service(chat, thread_id, {"forum_topic_created": created}, message_id=thread_id)
        return topic.forum_topic()

    def editForumTopic(self, params: JSON, files: dict[str, bytes]) -> bool:
        chat, topic = self._topic(params)
        raw_name = params.get("name")
        name = _clean_name(raw_name) if raw_name not in (None, "") else None
        if raw_name not in (None, "") and not name:
            raise bad_request(NAME_EMPTY)
        emoji = (_emoji(params.get("icon_custom_emoji_id")) if "icon_custom_emoji_id" in params
                 else None)
        if name is None and emoji is None:
            return True  # nothing asked: TDLib answers OK without asking Telegram
        if (name in (None, topic.name)
                and emoji in (None, topic.icon_custom_emoji_id or "")):
            raise bad_request(TOPIC_NOT_MODIFIED)
        self.topics.change(topic, "edit", name=name, icon_custom_emoji_id=emoji)
        edited: JSON = {}
        if name is not None:
            edited["name"] = name
        if emoji is not None:
            edited["icon_custom_emoji_id"] = emoji
        self._service(chat, topic.message_thread_id, {"forum_topic_edited": edited})
        return True

    def closeForumTopic(self, params: JSON, files: dict[str, bytes]) -> bool:
        return self._set_closed(params, closed=True)

    def reopenForumTopic(self, params: JSON, files: dict[str, bytes]) -> bool:
        return self._set_closed(params, closed=False)

    def deleteForumTopic(self, params: JSON, files: dict[str, bytes]) -> bool:
        # Telegram deletes the topic's messages too; the fake keeps its record of them.
        _, topic = self._topic(params)
        self.topics.change(topic, "delete", deleted=True)
        return True

    def _set_closed(self, params: JSON, *, closed: bool) -> bool:
        chat, topic = self._topic(params)
        if topic.closed == closed:
            raise bad_request(TOPIC_NOT_MODIFIED)
        self.topics.change(topic, "close" if closed else "reopen", closed=closed)
        content = "forum_topic_closed" if closed else "forum_topic_reopened"
        self._service(chat, topic.message_thread_id, {content: {}})
        return True

    def _forum(self, params: JSON) -> JSON:
        chat = self.messages.chat(params)
        if not chat.get("is_forum"):
            raise bad_request(NOT_A_FORUM)
        return chat

    def _topic(self, params: JSON) -> tuple[JSON, Topic]:
        chat = self._forum(params)
        thread_id = params.get("message_thread_id")
        if isinstance(thread_id, bool) or not isinstance(thread_id, int) or thread_id <= 0:
            raise bad_request(TOPIC_ID_MALFORMED)
        topic = self.topics.get(chat["id"], thread_id)
        if topic is None or topic.deleted:
            raise bad_request(TOPIC_ID_INVALID)
        return chat, topic

    def _service(self, chat: JSON, thread_id: int, content: JSON,
                 message_id: int | None = None) -> None:
        # A service message takes an id in the chat like any message; the bot gets no update.
        if message_id is None:
            message_id = self.state.next_message_id(chat["id"])
        payload: JSON = {"message_id": message_id, "from": self.messages.bot_user, "chat": chat,
                         "date": unix_now(), "message_thread_id": thread_id,
                         "is_topic_message": True, **content}
        if message_id != thread_id:
            creation = self.state.message_payload(chat["id"], thread_id)
            if creation is not None:
                payload["reply_to_message"] = creation
        with self.state.cond:
            self.state.service_messages[(chat["id"], message_id)] = payload


def _clean_name(value: Any) -> str:
    """A topic name as TDLib keeps it: runs of spaces and newlines made one space, trimmed,
    cut to 128 characters (Telegram does not refuse a longer name)."""
    text = "" if value is None else str(value)
    return _SPACES.sub(" ", text[:NAME_LIMIT]).strip()


def _emoji(value: Any) -> str:
    return "" if value is None else str(value)
