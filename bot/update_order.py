"""Updates from different chats handled at the same time, each chat's in arrival order.

PTB handles one update at a time by default: a storm (everyone answering a check-in at
once) would queue every patient behind every other. PTB's own concurrency gives no order
within a chat, and a patient's "ok" must not overtake the question it answers, nor a
staff member's second line in a topic their first. This processor runs up to
`max_concurrent_updates` updates at once and serialises those of one chat (else of one
user) with a lock per chat, taken in arrival order (asyncio locks are FIFO).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def order_key(update: object) -> int | None:
    """What must stay in order: the chat, else the user; None for anything else."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within one (see the module doc)."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}  # key -> (lock, users)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = order_key(update)
        if key is None:
            await coroutine
            return
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]  # nobody else waits: the table stays small
            else:
                self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
