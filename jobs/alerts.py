"""Staff alerts for failed deliveries: one notice per batch of failures, never a flood,
queued in the outbox like every post to the staff chat (paced with the group's others,
kept across a restart)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.texts.alerts import compose_delivery_failures

log = logging.getLogger(__name__)

MAX_IDS_SHOWN = 100
RETRY_AFTER_FAILURE = timedelta(seconds=10)
MAX_HELD = 10_000  # while alerts keep failing, keep a count but not an unbounded id list


@dataclass(frozen=True, kw_only=True)
class Failure:
    """One message that ended failed; `reason` is a short class of error, never message text."""

    message_id: int
    reason: str


# Queues a notice for a chat (delivery's outbox): (chat id, safe HTML text).
Post = Callable[[int, str], Awaitable[object]]


class FailureAlerts:
    """Collects failures and queues them for the staff chat as one notice.

    A notice is queued at most once per `min_interval`; failures in between join the next
    one. If queuing it fails (the database is away) it is logged and the failures stay for
    the next try; once queued, delivery sends it at the group's pace and retries it, so a
    Telegram outage costs staff no information and causes no alert storm afterwards.
    """

    def __init__(
        self,
        *,
        chat_id: int | None,
        min_interval: timedelta = timedelta(seconds=60),
    ) -> None:
        self.chat_id = chat_id
        self.min_interval = min_interval
        self._held: list[Failure] = []
        self._overflow = 0
        self._last_sent: datetime | None = None
        self._retry_at: datetime | None = None  # after a failed alert, not before this
        self.alerts_sent = 0
        self.alerts_failed = 0

    @property
    def pending(self) -> int:
        return len(self._held) + self._overflow

    def add(self, failure: Failure) -> None:
        if len(self._held) < MAX_HELD:
            self._held.append(failure)
        else:
            self._overflow += 1

    def due(self, now: datetime) -> bool:
        """Whether an alert should go out now."""
        if not self.pending or self.chat_id is None:
            return False
        if self._retry_at is not None and now < self._retry_at:
            return False
        return self._last_sent is None or now - self._last_sent >= self.min_interval

    def compose(self) -> str:
        """The alert text: count, message ids and reasons (safe HTML; no names, no texts)."""
        ids = [f.message_id for f in self._held[:MAX_IDS_SHOWN]]
        return compose_delivery_failures(self.pending, ids, (f.reason for f in self._held))

    async def flush(self, post: Post, now: datetime) -> bool:
        """Queue one notice if one is due; True when one was queued."""
        if not self.due(now):
            if self.pending and self.chat_id is None:
                log.warning("delivery: %d failure(s) and no staff.alert_chat_id", self.pending)
                self._held.clear()
                self._overflow = 0
            return False
        assert self.chat_id is not None
        try:
            await post(self.chat_id, self.compose())
        except Exception as error:  # best effort: any failure is logged, kept
            self.alerts_failed += 1
            self._retry_at = now + min(self.min_interval, RETRY_AFTER_FAILURE)
            log.warning(
                "delivery: staff alert for %d failure(s) not queued: %s",
                self.pending, type(error).__name__,
            )
            return False
        self.alerts_sent += 1
        self._last_sent = now
        self._retry_at = None
        self._held.clear()
        self._overflow = 0
        return True
