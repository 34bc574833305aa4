"""The fake Bot API's memory: chats, what the bot sent, queued updates, commands, webhook."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

JSON = dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class InlineButton:
    """One inline keyboard button of a sent message."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True, kw_only=True)
class SentMessage:
    """A message the bot put in a chat, as the fake recorded it (edits replace it)."""

    message_id: int
    chat_id: int
    method: str                      # sendMessage | sendPhoto | copyMessage | forwardMessage
    text: str | None                 # raw text as sent (markup included); a copy's text
    caption: str | None = None       # raw caption of a photo; a copy's caption
    visible: str = ""                # what the user sees: markup parsed, entities unescaped
    parse_mode: str | None = None
    reply_markup: JSON | None = None
    reply_to_message_id: int | None = None
    message_thread_id: int | None = None  # the forum topic it went to
    copied_from: tuple[int, int] | None = None  # (chat id, message id) a copy or forward is of
    photo: bytes | None = None       # uploaded bytes (None when sent by file_id)
    photo_file_id: str | None = None
    document: bytes | None = None    # sendDocument: the uploaded file's bytes
    document_name: str | None = None  # ... and its file name
    date: int = 0
    sent_at: float = 0.0             # time.monotonic() when recorded
    edits: int = 0
    deleted: bool = False            # deleteMessage removed it (it stays listed, in place)
    payload: JSON = field(default_factory=dict, compare=False, repr=False)  # the Message JSON

    @property
    def buttons(self) -> list[InlineButton]:
        """Every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            InlineButton(text=b.get("text", ""), callback_data=b.get("callback_data"),
                         url=b.get("url"))
            for row in rows
            for b in row
        ]


Predicate = Callable[[SentMessage], bool] | str | None


@dataclass(frozen=True, kw_only=True)
class CallbackAnswer:
    """An answerCallbackQuery the bot made."""

    callback_query_id: str
    text: str | None
    show_alert: bool


@dataclass(frozen=True, kw_only=True)
class WebhookConfig:
    """What setWebhook registered."""

    url: str
    secret_token: str | None
    allowed_updates: list[str] | None
    max_connections: int | None


class BotState:
    """Everything the fake remembers, guarded by one lock (tests read it from other threads)."""

    def __init__(self, *, strict_chats: bool) -> None:
        self.cond = threading.Condition()
        self.strict_chats = strict_chats
        self.chats: dict[int, JSON] = {}
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], SentMessage] = {}
        self._by_chat: dict[int, list[int]] = {}
        self._order: list[tuple[int, int]] = []
        self.updates: list[JSON] = []
        self._update_ids = itertools.count(10_001)
        self._callback_ids = itertools.count(1)
        self.open_callbacks: set[str] = set()
        self.callback_answers: list[CallbackAnswer] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.webhook: WebhookConfig | None = None
        self.allowed_updates: list[str] | None = None
        self.files: dict[str, bytes] = {}
        self.file_paths: dict[str, str] = {}  # file_id -> getFile's file_path (photos default)
        self._file_ids = itertools.count(1)
        self.user_messages: dict[tuple[int, int], JSON] = {}
        self.service_messages: dict[tuple[int, int], JSON] = {}  # e.g. forum_topic_created
        self.on_update: Callable[[], None] = lambda: None
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    # chats -------------------------------------------------------------------------------

    def register_chat(self, chat: JSON) -> None:
        """Make a chat known (private chats of users, staff groups)."""
        with self.cond:
            self.chats[chat["id"]] = chat

    def chat(self, chat_id: int) -> JSON | None:
        """The chat object for `chat_id`; unknown ids get a plausible one unless strict."""
        with self.cond:
            known = self.chats.get(chat_id)
        if known is not None:
            return known
        if self.strict_chats:
            return None
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": f"Chat {chat_id}"}

    def next_message_id(self, chat_id: int) -> int:
        """A fresh message id; like Telegram, ids count up per chat for bot and user alike."""
        with self.cond:
            value = self._next_message_id.get(chat_id, 0) + 1
            self._next_message_id[chat_id] = value
            return value

    def skip_message_ids(self, chat_id: int, *, upto: int) -> None:
        """Make the chat's next message id at least `upto` + 1."""
        with self.cond:
            current = self._next_message_id.get(chat_id, 0)
            self._next_message_id[chat_id] = max(current, upto)

    # sent messages -----------------------------------------------------------------------

    def record(self, message: SentMessage) -> None:
        """Keep a message the bot sent and wake everyone waiting for one."""
        key = (message.chat_id, message.message_id)
        with self.cond:
            self._messages[key] = message
            self._by_chat.setdefault(message.chat_id, []).append(message.message_id)
            self._order.append(key)
            self._wake_waiters()

    def replace(self, message: SentMessage, **changes: Any) -> SentMessage:
        """Store an edited version of a recorded message (`edits` counts one more unless
        `changes` say otherwise)."""
        with self.cond:
            edited = replace(message, **{"edits": message.edits + 1, **changes})
            self._messages[(message.chat_id, message.message_id)] = edited
            self._wake_waiters()
            return edited

    def backdate(self, chat_id: int, message_id: int, seconds: int) -> SentMessage:
        """Make a recorded bot message `seconds` older (its `date`), e.g. past the 48 hours
        after which Telegram no longer lets a bot delete it."""
        with self.cond:
            message = self._messages[(chat_id, message_id)]
            date = message.date - seconds
            aged = replace(message, date=date, payload={**message.payload, "date": date})
            self._messages[(chat_id, message_id)] = aged
            return aged

    def find(self, chat_id: int, message_id: int) -> SentMessage | None:
        """A recorded bot message, current version."""
        with self.cond:
            return self._messages.get((chat_id, message_id))

    def message_payload(self, chat_id: int, message_id: int) -> JSON | None:
        """The Message JSON of any message in a chat: the bot's, a user's or a service one."""
        key = (chat_id, message_id)
        with self.cond:
            sent = self._messages.get(key)
            if sent is not None:
                return sent.payload
            return self.user_messages.get(key) or self.service_messages.get(key)

    def new_file_id(self, kind: str) -> str:
        """A fresh file_id (never repeated within one fake); its file_unique_id is "u" + it."""
        with self.cond:
            number = next(self._file_ids)
        return f"{kind}-{number}-{time.monotonic_ns()}"

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        """What the bot sent to one chat, oldest first, edits applied."""
        with self.cond:
            return [self._messages[(chat_id, i)] for i in self._by_chat.get(chat_id, [])]

    def sent(self) -> list[SentMessage]:
        """Everything the bot sent, in order, edits applied."""
        with self.cond:
            return [self._messages[key] for key in self._order]

    def add_waiter(self, loop: asyncio.AbstractEventLoop, event: asyncio.Event) -> None:
        """Wake `event` (in `loop`) whenever a message is recorded or edited."""
        with self.cond:
            self._waiters.append((loop, event))

    def remove_waiter(self, loop: asyncio.AbstractEventLoop, event: asyncio.Event) -> None:
        """Stop waking `event`."""
        with self.cond:
            self._waiters.remove((loop, event))

    def _wake_waiters(self) -> None:
        # Called with the lock held; waiters may live in another thread's loop.
        for loop, event in self._waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)
        self.cond.notify_all()

    # updates -----------------------------------------------------------------------------

    def push_update(self, payload: JSON) -> JSON:
        """Queue one update (update_id assigned here) for getUpdates and wake the poller."""
        with self.cond:
            update = {"update_id": next(self._update_ids), **payload}
            self.updates.append(update)
        self.on_update()
        return update

    def stamp(self, payload: JSON) -> JSON:
        """Give an update its update_id without queuing it (webhook delivery)."""
        with self.cond:
            return {"update_id": next(self._update_ids), **payload}

    def take_updates(self, offset: int | None, limit: int) -> list[JSON]:
        """Confirm updates below `offset` (drop them) and return the next allowed ones."""
        with self.cond:
            if offset is not None:
                if offset < 0:
                    self.updates = self.updates[offset:]
                else:
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
            allowed = self.allowed_updates
            ready = [u for u in self.updates if not allowed or _kind(u) in allowed]
            return ready[:limit]

    def new_callback_id(self) -> str:
        """A callback query id the bot may answer once."""
        with self.cond:
            callback_id = f"cq{next(self._callback_ids)}"
            self.open_callbacks.add(callback_id)
            return callback_id


def _kind(update: JSON) -> str:
    return next(key for key in update if key != "update_id")


def unix_now() -> int:
    """Telegram dates are whole Unix seconds."""
    return int(time.time())


def matcher(predicate: Predicate) -> Callable[[SentMessage], bool]:
    """A str predicate matches a substring of the visible text; None matches anything."""
    if predicate is None:
        return lambda message: True
    if isinstance(predicate, str):
        needle = predicate
        return lambda message: needle in message.visible
    return predicate


def first_match(
    messages: list[SentMessage], match: Callable[[SentMessage], bool], since: int
) -> tuple[int, SentMessage] | None:
    """The first message at index >= `since` that matches, with its index."""
    for index in range(since, len(messages)):
        if match(messages[index]):
            return index, messages[index]
    return None


def nothing_matched(messages: list[SentMessage], chat_id: int, timeout: float) -> str:
    """A timeout message that helps debugging: how many were sent, and the last few."""
    recent = [m.visible[:80] for m in messages[-3:]]
    return (f"the bot sent nothing matching to chat {chat_id} within {timeout}s "
            f"({len(messages)} message(s) in total; last: {recent})")

