"""What the fake Bot API counted: sends with their times, duplicates, and every error it gave."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict


class Stats:
    """Thread-safe counters; tests read them while the server (maybe another thread) writes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._times: list[float] = []
        self._chats: list[int] = []
        self._delivered: Counter[tuple[int, str]] = Counter()
        self.requests: Counter[str] = Counter()     # method -> requests seen
        self.errors: Counter[int] = Counter()       # error_code -> answers given
        self.error_details: Counter[tuple[str, int, str]] = Counter()  # (method, code, text)
        self.too_many_requests = 0                  # every 429, forced or from the limits
        self.faults: Counter[str] = Counter()       # injected fault kind -> count

    @property
    def sent_count(self) -> int:
        """How many messages reached a chat (successful sendMessage, sendPhoto, copyMessage,
        forwardMessage)."""
        with self._lock:
            return len(self._times)

    def record_request(self, method: str) -> None:
        """Count one request to `method`."""
        with self._lock:
            self.requests[method] += 1

    def record_error(self, code: int, *, method: str = "", description: str = "") -> None:
        """Count one error answer (kept with its method and description for debugging)."""
        with self._lock:
            self.errors[code] += 1
            self.error_details[(method, code, description)] += 1
            if code == 429:
                self.too_many_requests += 1

    def record_fault(self, kind: str) -> None:
        """Count one injected fault (drop, timeout, 5xx, 429)."""
        with self._lock:
            self.faults[kind] += 1

    def record_send(self, *, chat_id: int, text: str, at: float) -> None:
        """Count one delivered message at monotonic time `at`."""
        with self._lock:
            self._times.append(at)
            self._chats.append(chat_id)
            self._delivered[(chat_id, text)] += 1

    def send_times(self) -> list[tuple[float, int]]:
        """(monotonic time, chat id) of every delivered message, in order."""
        with self._lock:
            return list(zip(self._times, self._chats, strict=True))

    def delivered(self, chat_id: int, text: str) -> int:
        """How often exactly this text (or caption) reached this chat."""
        with self._lock:
            return self._delivered[(chat_id, text)]

    def duplicates(self) -> dict[tuple[int, str], int]:
        """(chat id, text) delivered more than once, with the count."""
        with self._lock:
            return {key: n for key, n in self._delivered.items() if n > 1}

    def max_global_in_window(self, window: float = 1.0) -> int:
        """The most messages delivered in any `window`-second span, over all chats."""
        with self._lock:
            times = sorted(self._times)
        return _max_in_window(times, window)

    def max_per_chat_in_window(self, window: float = 1.0) -> int:
        """The most messages delivered to one chat in any `window`-second span."""
        by_chat: defaultdict[int, list[float]] = defaultdict(list)
        with self._lock:
            for at, chat_id in zip(self._times, self._chats, strict=True):
                by_chat[chat_id].append(at)
        return max((_max_in_window(sorted(t), window) for t in by_chat.values()), default=0)

    def max_in_window(self, chat_id: int, seconds: float) -> int:
        """The most messages delivered to chat `chat_id` in any `seconds`-second span
        (e.g. `max_in_window(group, 60) <= 20`, Telegram's group limit)."""
        with self._lock:
            times = sorted(at for at, chat in zip(self._times, self._chats, strict=True)
                           if chat == chat_id)
        return _max_in_window(times, seconds)

    def max_per_group_in_window(self, seconds: float = 60.0) -> int:
        """The most messages delivered to one group (negative chat id) in any span."""
        by_chat: defaultdict[int, list[float]] = defaultdict(list)
        with self._lock:
            for at, chat_id in zip(self._times, self._chats, strict=True):
                if chat_id < 0:
                    by_chat[chat_id].append(at)
        return max((_max_in_window(sorted(t), seconds) for t in by_chat.values()), default=0)

    def reset(self) -> None:
        """Forget everything counted so far (e.g. after a warm-up phase)."""
        with self._lock:
            self._times.clear()
            self._chats.clear()
            self._delivered.clear()
            self.requests.clear()
            self.errors.clear()
            self.error_details.clear()
            self.faults.clear()
            self.too_many_requests = 0


def _max_in_window(times: list[float], window: float) -> int:
    """Largest count of sorted `times` inside a half-open span [t, t + window)."""
    best = 0
    first = 0
    for last, at in enumerate(times):
        while at - times[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best
