"""Outcome bookkeeping for delivery: buffered batch writes, running counters, failure alerts."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from core.statuses import MessageKind, MessageStatus
from jobs.alerts import Failure, FailureAlerts
from storage.outbox import Outbox, Outcome

# Failures not announced as failed deliveries: what erasure could not remove is reported by
# the erasure itself (storage/staff_chat_erasure.py), and a failed notice cannot announce
# itself (it would make another notice, and so on).
_NOT_ANNOUNCED = frozenset({*MessageKind.ERASURE, MessageKind.NOTICE})


@dataclass
class DeliveryCounters:
    """Running totals for metrics (an operations exporter reads these)."""

    passes: int = 0
    sent: int = 0
    failed: int = 0
    expired: int = 0
    cancelled: int = 0
    requeued: int = 0  # back to pending: retry backoff, quiet hours, chat pacing, 429
    transient_errors: int = 0
    rate_limited: int = 0  # 429s received
    pass_errors: int = 0  # passes aborted by a database or unexpected error
    last_lag_seconds: float | None = None  # sent_at - available_at of the last sent message


class OutcomeBuffer:
    """Outcomes waiting to be written: in one batch, yet at most `flush_seconds` late.

    What is buffered here has happened (a send went out) but is not yet recorded: it is
    the in-flight window a hard crash can repeat, so the age bound matters as much as the
    batch size does for throughput.
    """

    def __init__(
        self,
        *,
        outbox: Outbox,
        owner: str,
        counters: DeliveryCounters,
        alerts: FailureAlerts,
        flush_count: int,
        flush_seconds: float,
    ) -> None:
        self._outbox = outbox
        self._owner = owner
        self._counters = counters
        self._alerts = alerts
        self._flush_count = flush_count
        self.flush_seconds = flush_seconds
        self._buffer: list[Outcome] = []
        self._oldest = 0.0  # monotonic time the oldest buffered outcome was made

    @property
    def waiting(self) -> bool:
        """Whether outcomes are buffered, not yet written."""
        return bool(self._buffer)

    def keep(self, outcome: Outcome) -> None:
        if not self._buffer:
            self._oldest = time.monotonic()
        self._buffer.append(outcome)

    async def flush(self, *, force: bool = False) -> None:
        """Write buffered outcomes; on a database error they stay buffered and it raises."""
        if not self._buffer:
            return
        fresh = time.monotonic() - self._oldest < self.flush_seconds
        if not force and fresh and len(self._buffer) < self._flush_count:
            return
        # Swap the buffer out first: sends still in flight keep appending while we write.
        outcomes, self._buffer = self._buffer, []
        try:
            await self._outbox.record(owner=self._owner, outcomes=outcomes)
        except BaseException:
            self._buffer = outcomes + self._buffer
            raise
        if self._buffer:
            self._oldest = time.monotonic()
        self._count(outcomes)

    def _count(self, outcomes: Sequence[Outcome]) -> None:
        c = self._counters
        for outcome in outcomes:
            if outcome.status == MessageStatus.SENT:
                c.sent += 1
            elif outcome.status == MessageStatus.PENDING:
                c.requeued += 1
            elif outcome.status == MessageStatus.EXPIRED:
                c.expired += 1
            elif outcome.status == MessageStatus.CANCELLED:
                c.cancelled += 1
            elif outcome.status == MessageStatus.FAILED:
                c.failed += 1
                if outcome.kind in _NOT_ANNOUNCED:
                    continue
                self._alerts.add(Failure(message_id=outcome.message_id,
                                         reason=short_reason(outcome.last_error)))


def short_reason(error: str | None) -> str:
    """The reason class shown in staff alerts: the part before the first colon."""
    if not error:
        return "unknown"
    parts = error.split(": ")
    if error.startswith("gave up") and len(parts) > 1:
        return f"{parts[0]} ({parts[1]})"
    return parts[0]
