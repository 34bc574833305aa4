"""Run-time fault injection and rate limits for the fake Bot API (issue 4)."""

from __future__ import annotations

import enum
import math
import random
import threading
import zlib
from collections import deque
from dataclasses import dataclass

# Methods that put a message in a chat: faults hit these by default and the limits count them.
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "copyMessage", "copyMessages",
                          "forwardMessage"})


class Fault(enum.Enum):
    """What the fake does to one request instead of (or before) answering it normally."""

    NONE = "none"
    DROP = "drop"          # close the connection without an answer
    TIMEOUT = "timeout"    # hold the answer longer than the client waits
    SERVER_ERROR = "5xx"   # 500-range answer
    TOO_MANY = "429"       # a forced 429 from force_429()


@dataclass(frozen=True, kw_only=True)
class Decision:
    """The fault chosen for one request and the parameters it needs."""

    fault: Fault
    slow_seconds: float = 0.0
    hold_seconds: float = 0.0
    retry_after: float = 0.0
    delivers: bool = False  # a TIMEOUT still performs the method (the "maybe sent" case)
    late_seconds: float = 0.0  # performed at once, answered this much later


class Faults:
    """Fault rates, set by tests at run time; one seeded RNG makes a run reproducible.

    The global object applies to `methods` (default: the send methods; None = every
    method). `for_method(name)` returns an override used instead of it for one method.
    `blocked_chats` answers 403 for any method that names one of those chats;
    `spared_chats` never get a random fault (a test that needs some request to reach the
    method itself, e.g. Telegram's 400 for bad HTML, spares its chat).
    """

    def __init__(self, seed: int = 0) -> None:
        self.rate_5xx = 0.0
        self.timeout_rate = 0.0
        self.timeout_seconds = 6.0    # above PTB's default 5 s read timeout
        self.timeout_delivers = False  # True: a timed-out send still reaches the chat
        self.slow_seconds = 0.0
        # The method takes effect at once (the message is in the chat, users see it) but
        # its answer comes this much later: what the bot learns last, others learn first.
        self.late_seconds = 0.0
        self.drop_rate = 0.0
        self.blocked_chats: set[int] = set()
        self.spared_chats: set[int] = set()
        self.methods: set[str] | None = set(SEND_METHODS)
        self._seed = seed
        self._rng = random.Random(seed)
        self._forced: deque[float] = deque()
        self._per_method: dict[str, Faults] = {}
        self._lock = threading.Lock()

    def seed(self, seed: int) -> None:
        """Restart the random sequence (and every per-method override's) from `seed`."""
        with self._lock:
            self._seed = seed
            self._rng = random.Random(seed)
            for name, child in self._per_method.items():
                child.seed(seed ^ zlib.crc32(name.encode()))

    def force_429(self, count: int, retry_after: float = 1) -> None:
        """Answer the next `count` requests in scope with 429 and this `retry_after`.

        Telegram sends whole seconds; a float (e.g. 0.2) keeps tests fast and PTB accepts it.
        """
        with self._lock:
            self._forced.extend([retry_after] * count)

    def for_method(self, name: str) -> Faults:
        """The override for one method (created on first use, starting with no faults)."""
        with self._lock:
            child = self._per_method.get(name)
            if child is None:
                child = Faults(self._seed ^ zlib.crc32(name.encode()))
                child.methods = None
                self._per_method[name] = child
            return child

    def clear(self) -> None:
        """Back to no faults at all (blocked chats included)."""
        with self._lock:
            self.rate_5xx = self.timeout_rate = self.slow_seconds = self.drop_rate = 0.0
            self.late_seconds = 0.0
            self.timeout_delivers = False
            self.blocked_chats = set()
            self.spared_chats = set()
            self._forced.clear()
            self._per_method.clear()

    def decide(self, method: str, chat_id: int | None = None) -> Decision:
        """Pick this request's fault; called once per request by the server."""
        with self._lock:
            if chat_id is not None and chat_id in self.spared_chats:
                return Decision(fault=Fault.NONE)
            child = self._per_method.get(method)
        if child is not None:
            return child._draw()
        if self.methods is not None and method not in self.methods:
            return Decision(fault=Fault.NONE)
        return self._draw()

    def _draw(self) -> Decision:
        with self._lock:
            slow, late = self.slow_seconds, self.late_seconds
            if self._forced:
                return Decision(
                    fault=Fault.TOO_MANY, slow_seconds=slow, retry_after=self._forced.popleft()
                )
            # One draw per request keeps the sequence reproducible for a given seed.
            roll = self._rng.random()
        for fault, rate in (
            (Fault.DROP, self.drop_rate),
            (Fault.TIMEOUT, self.timeout_rate),
            (Fault.SERVER_ERROR, self.rate_5xx),
        ):
            if roll < rate:
                return Decision(
                    fault=fault,
                    slow_seconds=slow,
                    hold_seconds=self.timeout_seconds,
                    delivers=self.timeout_delivers,
                )
            roll -= rate
        return Decision(fault=Fault.NONE, slow_seconds=slow, late_seconds=late)


class Limits:
    """Telegram's flood limits, enforced on the send methods when set (None = off).

    `per_group_per_minute` is Telegram's "no more than 20 messages per minute in one group":
    it counts sends to chats with negative ids over `group_window_seconds` (60; tests shrink
    it, e.g. 20 per 6 s). Topic methods (createForumTopic, ...) and edits are not counted.

    `grace_seconds` shortens the windows the fake enforces (not the ones `Stats` measures),
    so a client pacing itself at exactly the limit is not punished for a few ms of arrival
    jitter; bursts still get 429. Set it to 0 for strict sliding windows.
    """

    def __init__(self) -> None:
        self.global_per_second: int | None = None
        self.per_chat_per_second: int | None = None
        self.per_group_per_minute: int | None = None
        self.window_seconds = 1.0
        self.group_window_seconds = 60.0
        self.grace_seconds = 0.05
        self._global: deque[float] = deque()
        self._per_chat: dict[int, deque[float]] = {}
        self._per_group: dict[int, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, chat_id: int, now: float) -> float | None:
        """Record a send at `now` and return None, or return the retry_after to answer with."""
        if (self.global_per_second is None and self.per_chat_per_second is None
                and self.per_group_per_minute is None):
            return None  # no bookkeeping while off: e2e tests send freely
        window = self.window_seconds - self.grace_seconds
        with self._lock:
            _prune(self._global, now - window)
            chat_times = self._per_chat.setdefault(chat_id, deque())
            _prune(chat_times, now - window)
            checks = [
                (self.global_per_second, self._global, window),
                (self.per_chat_per_second, chat_times, window),
            ]
            group_times: deque[float] | None = None
            if chat_id < 0 and self.per_group_per_minute is not None:
                group_window = self.group_window_seconds - self.grace_seconds
                group_times = self._per_group.setdefault(chat_id, deque())
                _prune(group_times, now - group_window)
                checks.append((self.per_group_per_minute, group_times, group_window))
            for limit, times, span in checks:
                if limit is not None and len(times) >= limit:
                    wait = times[len(times) - limit] + span - now
                    return float(max(1, math.ceil(wait)))
            self._global.append(now)
            chat_times.append(now)
            if group_times is not None:
                group_times.append(now)
            return None


def _prune(times: deque[float], horizon: float) -> None:
    while times and times[0] <= horizon:
        times.popleft()
