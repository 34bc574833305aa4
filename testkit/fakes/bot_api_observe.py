"""What tests read from the fake Bot API: what the bot sent, answered and registered, and
waiting until it has sent something."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING

from testkit.fakes.bot_api_state import (
    JSON,
    BotState,
    CallbackAnswer,
    Predicate,
    SentMessage,
    first_match,
    matcher,
    nothing_matched,
)
from testkit.fakes.bot_api_topics import ForumTopics, Topic

if TYPE_CHECKING:
    from testkit.fakes.bot_api_methods import BotMethods


class Observations:
    """Read-side helpers of FakeBotApi (which sets `state`, `forum` and `methods`)."""

    state: BotState
    forum: ForumTopics
    methods: BotMethods

    # reading what the bot did ------------------------------------------------------------

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        """Everything the bot sent to one chat, oldest first (edits applied)."""
        return self.state.sent_to(chat_id)

    @property
    def sent(self) -> list[SentMessage]:
        """Everything the bot sent, in order."""
        return self.state.sent()

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """Every answerCallbackQuery the bot made."""
        with self.state.cond:
            return list(self.state.callback_answers)

    def topics(self, chat_id: int) -> list[Topic]:
        """The forum topics the bot made in a chat, oldest first (deleted ones included)."""
        return self.forum.in_chat(chat_id)

    def topic(self, chat_id: int, thread_id: int) -> Topic:
        """One topic the bot made (its current state and history); KeyError if none."""
        topic = self.forum.get(chat_id, thread_id)
        if topic is None:
            raise KeyError(f"the bot made no topic {thread_id} in chat {chat_id}")
        return topic

    def service_messages(self, chat_id: int) -> list[JSON]:
        """The service messages in a chat (topic created, edited, closed, reopened), in order."""
        with self.state.cond:
            found = [(key[1], m) for key, m in self.state.service_messages.items()
                     if key[0] == chat_id]
        return [m for _, m in sorted(found, key=lambda pair: pair[0])]

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The commands setMyCommands registered for a scope and language."""
        return self.methods.getMyCommands({"scope": scope, "language_code": language_code}, {})

    async def wait_for(
        self,
        chat_id: int,
        predicate: Predicate = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - the brief's API; a timeout is what tests pass
        since: int = 0,
    ) -> SentMessage:
        """Wait until the bot has sent chat `chat_id` a message matching `predicate`.

        A str predicate matches a substring of the visible text (or caption); only messages
        at index >= `since` in `sent_to(chat_id)` count.
        """
        return (await self.wait_for_index(chat_id, predicate, timeout=timeout, since=since))[1]

    async def wait_for_index(
        self,
        chat_id: int,
        predicate: Predicate = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - see wait_for
        since: int = 0,
    ) -> tuple[int, SentMessage]:
        """Like `wait_for`, also returning the message's index in `sent_to(chat_id)`."""
        match = matcher(predicate)
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        deadline = loop.time() + timeout
        self.state.add_waiter(loop, event)
        try:
            while True:
                event.clear()
                found = first_match(self.state.sent_to(chat_id), match, since)
                if found is not None:
                    return found
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError(nothing_matched(self.state.sent_to(chat_id), chat_id,
                                                        timeout))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
        finally:
            self.state.remove_waiter(loop, event)

    def wait_for_blocking(
        self, chat_id: int, predicate: Predicate = None, *, timeout: float = 5.0, since: int = 0
    ) -> SentMessage:
        """`wait_for` for synchronous test code (e.g. while the bot runs in a subprocess)."""
        match = matcher(predicate)
        deadline = time.monotonic() + timeout
        with self.state.cond:
            while True:
                found = first_match(self.state.sent_to(chat_id), match, since)
                if found is not None:
                    return found[1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(nothing_matched(self.state.sent_to(chat_id), chat_id,
                                                        timeout))
                self.state.cond.wait(remaining)
