"""What becomes of a claimed message: one table from what happened to a decision.

A claimed message leaves this process's hands in one of a few ways: Telegram answers its
send, a send-time check finds a reason not to send it, its chat is still held by per-chat
spacing, or its send is never started. `decide()` maps each of these to a `Decision`. It
is pure (no I/O, no clock, no randomness of its own): the caller hands it `now`, the retry
settings and a random draw, then records the decision and carries out its side effects.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeAlias, assert_never

from jobs.backoff import Backoff
from jobs.sender import ChatUnreachable, PermanentError, RetryLater, TransientError
from storage.outbox import ClaimedMessage, Outcome

# --- what happened ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class Delivered:
    """Telegram accepted the message; `at` is when its answer came."""

    telegram_message_id: int
    at: datetime
    posted: tuple[int, ...] = ()  # every message the send made, when it made several


@dataclass(frozen=True, kw_only=True)
class SendFailed:
    """The send raised `error` (a `jobs.sender.SendError`, or anything else a sender may
    raise by mistake); `at` is when. A 429's pause counts from `at`."""

    error: Exception
    at: datetime


@dataclass(frozen=True, kw_only=True)
class Gone:
    """Send-time check: the patient or enrollment is gone, or the chat is unreachable."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class PastExpiry:
    """Send-time check: it is later than the message's `expires_at`."""


@dataclass(frozen=True, kw_only=True)
class InQuietHours:
    """Send-time check: it is inside the patient's quiet hours, which end at `ends_at`."""

    ends_at: datetime


@dataclass(frozen=True, kw_only=True)
class ChatBusy:
    """Per-chat spacing: the chat had a message too recently and is free at `free_at`."""

    free_at: datetime


@dataclass(frozen=True, kw_only=True)
class NotStarted:
    """Claimed, never sent: the lease is running out, or a 429 pause outlasts it."""


Event: TypeAlias = (
    Delivered | SendFailed | Gone | PastExpiry | InQuietHours | ChatBusy | NotStarted
)


# --- the decision ----------------------------------------------------------------------


class Action(enum.Enum):
    """What happens to the message."""

    SENT = "sent"  # done, with Telegram's message id
    RETRY = "retry"  # pending again after a backoff delay; one attempt counted
    DEFER = "defer"  # pending again from a given time; no attempt counted
    RELEASE = "release"  # given back as it was, for any worker to claim
    FAIL = "fail"  # done: failed; staff are alerted
    CANCEL = "cancel"  # done: patient, enrollment or chat gone
    EXPIRE = "expire"  # done: too late to be of use

    @property
    def status(self) -> str:
        """The scheduled_messages status it is recorded with."""
        return _STATUS[self]


_STATUS = {
    Action.SENT: "sent",
    Action.RETRY: "pending",
    Action.DEFER: "pending",
    Action.RELEASE: "pending",
    Action.FAIL: "failed",
    Action.CANCEL: "cancelled",
    Action.EXPIRE: "expired",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Decision:
    """The outcome to record for a message, and what else the worker must do."""

    action: Action
    at: datetime  # when it happened (a final status records it as sent_at / finished_at)
    available_at: datetime | None = None  # RETRY, DEFER, RELEASE: claimable again from then
    attempts: int | None = None  # RETRY: the new attempt count (None keeps the stored one)
    reason: str | None = None  # recorded as last_error; never message text
    moved_by_quiet_hours: bool | None = None  # DEFER by quiet hours: True
    telegram_message_id: int | None = None  # SENT
    posted_message_ids: tuple[int, ...] = ()  # SENT, when the send made several messages
    pause_until: datetime | None = None  # a 429: no process may send before then
    chat_unreachable: bool = False  # a 403: the patient is unreachable from now on
    transient: bool = False  # a failure that may pass (counted as a transient error)

    def outcome(self, message_id: int, kind: str | None = None) -> Outcome:
        """The row update that records this decision (`kind`: the message's MessageKind)."""
        return Outcome(
            message_id=message_id,
            kind=kind,
            status=self.action.status,
            at=self.at,
            telegram_message_id=self.telegram_message_id,
            posted_message_ids=self.posted_message_ids,
            available_at=self.available_at,
            attempts=self.attempts,
            last_error=self.reason,
            moved_by_quiet_hours=self.moved_by_quiet_hours,
        )


def decide(
    event: Event,
    message: ClaimedMessage,
    *,
    now: datetime,
    max_attempts: int,
    backoff: Backoff,
    jitter: float,
) -> Decision:
    """What becomes of claimed `message` after `event`.

    `now` is when the send started or the check ran: every decision is dated then, except
    a delivery (dated when Telegram answered). `jitter` is a uniform draw in [0, 1) that
    places a retry inside its backoff window; only a retry uses it.
    """
    match event:
        case Delivered(telegram_message_id=telegram_id, at=answered_at, posted=posted):
            return Decision(action=Action.SENT, at=answered_at, telegram_message_id=telegram_id,
                            posted_message_ids=posted)
        case SendFailed(error=RetryLater(seconds=seconds), at=answered_at):
            until = answered_at + timedelta(seconds=max(seconds, 0.0))
            return Decision(action=Action.DEFER, at=now, available_at=until,
                            reason="rate limited (429)", pause_until=until)
        case SendFailed(error=ChatUnreachable() as error):
            return Decision(action=Action.CANCEL, at=now, chat_unreachable=True,
                            reason=f"chat unreachable: {error_summary(error)}")
        case SendFailed(error=PermanentError() as error):
            return Decision(action=Action.FAIL, at=now, reason=error_summary(error))
        case SendFailed(error=error):  # TransientError; a sender bug must not lose it either
            reason = (error_summary(error) if isinstance(error, TransientError)
                      else f"unexpected {type(error).__name__}")
            attempts = message.attempts + 1
            if attempts >= max_attempts:
                return Decision(action=Action.FAIL, at=now, transient=True,
                                reason=f"gave up after {attempts} attempts: {reason}")
            retry_at = now + timedelta(seconds=backoff.delay(attempts, jitter))
            return Decision(action=Action.RETRY, at=now, available_at=retry_at,
                            attempts=attempts, reason=reason, transient=True)
        case Gone(reason=reason):
            return Decision(action=Action.CANCEL, at=now, reason=reason)
        case PastExpiry():
            return Decision(action=Action.EXPIRE, at=now)
        case InQuietHours(ends_at=ends_at):
            if message.expires_at is not None and ends_at > message.expires_at:
                return Decision(action=Action.EXPIRE, at=now,
                                reason="would fall after expiry (quiet hours)")
            return Decision(action=Action.DEFER, at=now, available_at=ends_at,
                            moved_by_quiet_hours=True)
        case ChatBusy(free_at=free_at):
            return Decision(action=Action.DEFER, at=now, available_at=max(free_at, now))
        case NotStarted():
            return Decision(action=Action.RELEASE, at=now, available_at=message.available_at)
        case _:
            assert_never(event)


def error_summary(error: Exception) -> str:
    """A short error description for last_error: the class and the sender's own summary."""
    detail = str(error)[:160]
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__
