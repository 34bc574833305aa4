"""The one interface delivery sends through, and the outcomes a send can have."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, kw_only=True, slots=True)
class OutgoingMessage:
    """What delivery asks a sender to put in a chat."""

    message_id: int          # scheduled_messages.id (check-in buttons carry it)
    chat_id: int
    text: str
    kind: str = "reminder"   # a MessageKind: reminder | checkin | alert | card | post | copy
    options: Sequence[tuple[str, str]] = ()  # (option id, button text) for check-ins
    case_id: int | None = None  # a card carries this case's buttons
    case_status: str | None = None  # ... those its status allows (an EscalationStatus)
    thread_id: int | None = None  # the forum topic in the staff chat
    reply_to: int | None = None  # the message this answers (card_edit, erase, delete: the
    # message to redraw, erase or delete)
    copy_from: tuple[int, int] | None = None  # copy: the patient's (chat id, message id)
    caption: str | None = None  # copy: a caption (safe HTML) replacing the original's
    copy_more: tuple[int, ...] = ()  # copy of an album: its other messages in that chat


@dataclass(frozen=True, kw_only=True)
class Posted:
    """What a send that made several messages answers (an album copied with copyMessages):
    every message id, the first first."""

    message_ids: tuple[int, ...]


class SendError(Exception):
    """Base of every classified send failure."""


class RetryLater(SendError):
    """Telegram said slow down (429): pause all sending for `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class TransientError(SendError):
    """Network trouble, a timeout or a 5xx: try again with backoff."""


class ChatUnreachable(SendError):
    """403: the patient blocked the bot or the chat is gone; stop sending to it."""


class PermanentError(SendError):
    """400 and friends: the message itself is bad; retrying cannot help."""


class Sender(Protocol):
    """Sends one message and returns Telegram's message id (or `Posted`, the ids of the
    several messages it made), or raises a SendError."""

    async def send(self, message: OutgoingMessage) -> int | Posted: ...


class NullSender:
    """A zero-latency sender for benchmarks and engine tests: every send succeeds."""

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []
        self._next_id = 0

    async def send(self, message: OutgoingMessage) -> int:
        self.sent.append(message)
        self._next_id += 1
        return self._next_id
