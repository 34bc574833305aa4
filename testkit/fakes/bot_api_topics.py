"""Forum topics as the fake Bot API remembers them: name, icon, closed and deleted, history."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from testkit.fakes.bot_api_state import JSON

# The colours createForumTopic accepts (Bot API: "must be one of"); the first is the default.
ICON_COLORS = (0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F)
NAME_LIMIT = 128  # TDLib cuts longer names to this many characters


@dataclass(frozen=True, kw_only=True)
class TopicEvent:
    """One change the bot made to a topic, in order."""

    action: str                              # create | edit | close | reopen | delete
    name: str | None = None                  # the name after a create, or a renaming edit
    icon_custom_emoji_id: str | None = None  # the emoji set by a create or an edit ("" = none)
    at: float = 0.0                          # time.monotonic()


@dataclass(frozen=True, kw_only=True)
class Topic:
    """A forum topic in one chat, current state plus every change that led to it."""

    chat_id: int
    message_thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False
    history: tuple[TopicEvent, ...] = ()

    @property
    def names(self) -> list[str]:
        """Every name the topic had, the first one first."""
        return [e.name for e in self.history if e.name is not None]

    def forum_topic(self) -> JSON:
        """The ForumTopic object createForumTopic answers with."""
        topic: JSON = {"message_thread_id": self.message_thread_id, "name": self.name,
                       "icon_color": self.icon_color}
        if self.icon_custom_emoji_id:
            topic["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return topic


class ForumTopics:
    """Every topic the bot made, per chat; thread-safe (tests read it from other threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._topics: dict[tuple[int, int], Topic] = {}

    def add(self, topic: Topic) -> Topic:
        """Remember a new topic; its history starts with the create event."""
        event = TopicEvent(action="create", name=topic.name,
                           icon_custom_emoji_id=topic.icon_custom_emoji_id, at=time.monotonic())
        created = replace(topic, history=(event,))
        with self._lock:
            self._topics[(topic.chat_id, topic.message_thread_id)] = created
        return created

    def get(self, chat_id: int, thread_id: int) -> Topic | None:
        """The topic (deleted ones included), or None if the bot never made it."""
        with self._lock:
            return self._topics.get((chat_id, thread_id))

    def in_chat(self, chat_id: int) -> list[Topic]:
        """A chat's topics in the order they were made (deleted ones included)."""
        with self._lock:
            found = [t for (chat, _), t in self._topics.items() if chat == chat_id]
        return sorted(found, key=lambda t: t.message_thread_id)

    def change(
        self, topic: Topic, action: str, *, name: str | None = None,
        icon_custom_emoji_id: str | None = None, closed: bool | None = None,
        deleted: bool | None = None,
    ) -> Topic:
        """Store the topic changed (None = unchanged; an emoji of "" removes it), the event
        appended to its history."""
        event = TopicEvent(action=action, name=name, icon_custom_emoji_id=icon_custom_emoji_id,
                           at=time.monotonic())
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = name
        if icon_custom_emoji_id is not None:
            changes["icon_custom_emoji_id"] = icon_custom_emoji_id or None
        if closed is not None:
            changes["closed"] = closed
        if deleted is not None:
            changes["deleted"] = deleted
        key = (topic.chat_id, topic.message_thread_id)
        with self._lock:
            current = self._topics[key]
            changed = replace(current, history=(*current.history, event), **changes)
            self._topics[key] = changed
        return changed
