"""The delivery decision table: what becomes of a claimed message after each kind of event."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from jobs.backoff import Backoff
from jobs.decisions import (
    Action,
    ChatBusy,
    Decision,
    Delivered,
    Event,
    Gone,
    InQuietHours,
    NotStarted,
    PastExpiry,
    SendFailed,
    decide,
    error_summary,
)
from jobs.sender import ChatUnreachable, PermanentError, RetryLater, TransientError
from storage.outbox import ClaimedMessage

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
ANSWERED = NOW + timedelta(seconds=2)  # the send took 2 s
AVAILABLE = NOW - timedelta(minutes=5)  # when the message was due
EXPIRES = NOW + timedelta(hours=6)
BACKOFF = Backoff(base_seconds=2, max_seconds=300)
JITTER = 0.5  # half of each backoff window
MAX = 5  # max_attempts


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


MESSAGE = ClaimedMessage(
    id=17, chat_id=1000, patient_id=1, enrollment_id=None, kind="reminder", text="Take it",
    options=(), due_at=AVAILABLE, available_at=AVAILABLE, expires_at=EXPIRES,
    respects_quiet_hours=True, moved_by_quiet_hours=False, attempts=0,
    lease_expires_at=NOW + s(60), patient_status="active", patient_timezone="Asia/Kolkata",
    enrollment_status=None,
)

_502 = TransientError("NetworkError: 502")
_400 = PermanentError("BadRequest: can't parse entities")
_403 = ChatUnreachable("Forbidden: bot was blocked")


def failed(error: Exception) -> SendFailed:
    return SendFailed(error=error, at=ANSWERED)


# (event, attempts already made, expires_at, the decision)
TABLE = [
    pytest.param(
        Delivered(telegram_message_id=99, at=ANSWERED), 0, EXPIRES,
        Decision(action=Action.SENT, at=ANSWERED, telegram_message_id=99),
        id="sent-dated-when-answered",
    ),
    pytest.param(
        failed(RetryLater(30)), 0, EXPIRES,
        Decision(action=Action.DEFER, at=NOW, available_at=ANSWERED + s(30),
                 reason="rate limited (429)", pause_until=ANSWERED + s(30)),
        id="429-pauses-everyone-from-the-answer",
    ),
    pytest.param(
        failed(RetryLater(30)), MAX - 1, EXPIRES,
        Decision(action=Action.DEFER, at=NOW, available_at=ANSWERED + s(30),
                 reason="rate limited (429)", pause_until=ANSWERED + s(30)),
        id="429-on-the-last-attempt-counts-no-attempt",
    ),
    pytest.param(
        failed(RetryLater(-3)), 0, EXPIRES,
        Decision(action=Action.DEFER, at=NOW, available_at=ANSWERED,
                 reason="rate limited (429)", pause_until=ANSWERED),
        id="429-negative-retry-after-is-no-pause",
    ),
    pytest.param(
        failed(_403), 0, EXPIRES,
        Decision(action=Action.CANCEL, at=NOW, chat_unreachable=True,
                 reason="chat unreachable: ChatUnreachable: Forbidden: bot was blocked"),
        id="403-cancels-and-marks-unreachable",
    ),
    pytest.param(
        failed(_400), 0, EXPIRES,
        Decision(action=Action.FAIL, at=NOW,
                 reason="PermanentError: BadRequest: can't parse entities"),
        id="400-fails-on-the-first-attempt",
    ),
    pytest.param(
        failed(_400), MAX - 2, EXPIRES,
        Decision(action=Action.FAIL, at=NOW,
                 reason="PermanentError: BadRequest: can't parse entities"),
        id="400-after-transient-retries-fails-too",
    ),
    pytest.param(
        failed(_502), 0, EXPIRES,
        Decision(action=Action.RETRY, at=NOW, available_at=NOW + s(1), attempts=1,
                 reason="TransientError: NetworkError: 502", transient=True),
        id="5xx-first-retry-within-base",
    ),
    pytest.param(
        failed(_502), 3, EXPIRES,
        Decision(action=Action.RETRY, at=NOW, available_at=NOW + s(8), attempts=4,
                 reason="TransientError: NetworkError: 502", transient=True),
        id="5xx-window-doubles-per-attempt",
    ),
    pytest.param(
        failed(_502), MAX - 1, EXPIRES,
        Decision(action=Action.FAIL, at=NOW, transient=True,
                 reason="gave up after 5 attempts: TransientError: NetworkError: 502"),
        id="5xx-on-the-last-attempt-gives-up",
    ),
    pytest.param(
        failed(_502), MAX + 3, EXPIRES,
        Decision(action=Action.FAIL, at=NOW, transient=True,
                 reason="gave up after 9 attempts: TransientError: NetworkError: 502"),
        id="5xx-past-max-attempts-gives-up",
    ),
    pytest.param(
        failed(ValueError("bug")), 0, EXPIRES,
        Decision(action=Action.RETRY, at=NOW, available_at=NOW + s(1), attempts=1,
                 reason="unexpected ValueError", transient=True),
        id="sender-bug-retries-like-5xx",
    ),
    pytest.param(
        failed(ValueError("bug")), MAX - 1, EXPIRES,
        Decision(action=Action.FAIL, at=NOW, transient=True,
                 reason="gave up after 5 attempts: unexpected ValueError"),
        id="sender-bug-on-the-last-attempt-gives-up",
    ),
    pytest.param(
        Gone(reason="patient stopped"), 0, EXPIRES,
        Decision(action=Action.CANCEL, at=NOW, reason="patient stopped"),
        id="gone-patient-cancels",
    ),
    pytest.param(
        Gone(reason="enrollment cancelled"), 2, EXPIRES,
        Decision(action=Action.CANCEL, at=NOW, reason="enrollment cancelled"),
        id="gone-enrollment-cancels-after-retries",
    ),
    pytest.param(
        PastExpiry(), 0, NOW - s(1),
        Decision(action=Action.EXPIRE, at=NOW),
        id="past-expiry-expires",
    ),
    pytest.param(
        InQuietHours(ends_at=NOW + s(3600)), 0, EXPIRES,
        Decision(action=Action.DEFER, at=NOW, available_at=NOW + s(3600),
                 moved_by_quiet_hours=True),
        id="quiet-hours-move-to-their-end",
    ),
    pytest.param(
        InQuietHours(ends_at=NOW + s(3600)), 2, None,
        Decision(action=Action.DEFER, at=NOW, available_at=NOW + s(3600),
                 moved_by_quiet_hours=True),
        id="quiet-hours-no-expiry-move-and-keep-attempts",
    ),
    pytest.param(
        InQuietHours(ends_at=EXPIRES), 0, EXPIRES,
        Decision(action=Action.DEFER, at=NOW, available_at=EXPIRES, moved_by_quiet_hours=True),
        id="quiet-hours-ending-at-expiry-move",
    ),
    pytest.param(
        InQuietHours(ends_at=EXPIRES + s(1)), 0, EXPIRES,
        Decision(action=Action.EXPIRE, at=NOW, reason="would fall after expiry (quiet hours)"),
        id="quiet-hours-ending-after-expiry-expire",
    ),
    pytest.param(
        ChatBusy(free_at=NOW + s(0.7)), 0, EXPIRES,
        Decision(action=Action.DEFER, at=NOW, available_at=NOW + s(0.7)),
        id="chat-busy-waits-for-the-chat",
    ),
    pytest.param(
        ChatBusy(free_at=NOW - s(0.7)), 1, EXPIRES,
        Decision(action=Action.DEFER, at=NOW, available_at=NOW),
        id="chat-busy-but-already-free-defers-to-now",
    ),
    pytest.param(
        NotStarted(), 0, EXPIRES,
        Decision(action=Action.RELEASE, at=NOW, available_at=AVAILABLE),
        id="not-started-released-as-it-was",
    ),
    pytest.param(
        NotStarted(), 3, EXPIRES,
        Decision(action=Action.RELEASE, at=NOW, available_at=AVAILABLE),
        id="not-started-after-retries-keeps-attempts",
    ),
]


@pytest.mark.parametrize(("event", "attempts", "expires_at", "expected"), TABLE)
def test_decision_table(
    event: Event, attempts: int, expires_at: datetime | None, expected: Decision
) -> None:
    """Each event, at each attempt situation, leads to exactly the listed decision."""
    message = replace(MESSAGE, attempts=attempts, expires_at=expires_at)
    decision = decide(event, message, now=NOW, max_attempts=MAX, backoff=BACKOFF, jitter=JITTER)
    assert decision == expected


def test_the_table_covers_every_event_and_action() -> None:
    """Every kind of event and every action appears in the table at least once."""
    events = {type(p.values[0]) for p in TABLE}
    assert events == set(Event.__args__)
    assert {p.values[3].action for p in TABLE} == set(Action)


@pytest.mark.parametrize("attempts", [0, 1, 5, 8, 30])
@pytest.mark.parametrize("jitter", [0.0, 0.25, 0.999999])
def test_retry_delays_stay_inside_the_capped_window(attempts: int, jitter: float) -> None:
    """A retry waits jitter × min(max, base·2^(n-1)) for attempt n, never beyond the cap."""
    message = replace(MESSAGE, attempts=attempts)
    decision = decide(failed(_502), message, now=NOW, max_attempts=100, backoff=BACKOFF,
                      jitter=jitter)
    assert decision.available_at is not None
    waited = (decision.available_at - NOW).total_seconds()
    ceiling = min(300.0, 2.0 * 2**attempts)
    assert waited == pytest.approx(ceiling * jitter, abs=1e-6)
    assert 0 <= waited <= 300


@pytest.mark.parametrize(
    ("action", "status"),
    [(Action.SENT, "sent"), (Action.RETRY, "pending"), (Action.DEFER, "pending"),
     (Action.RELEASE, "pending"), (Action.FAIL, "failed"), (Action.CANCEL, "cancelled"),
     (Action.EXPIRE, "expired")],
)
def test_each_action_is_recorded_with_its_status(action: Action, status: str) -> None:
    """A decision becomes the outbox outcome with the action's status and its fields."""
    pending = status == "pending"
    decision = Decision(action=action, at=NOW, available_at=NOW + s(5) if pending else None,
                        reason="why", attempts=2 if pending else None)
    outcome = decision.outcome(17)
    assert (outcome.message_id, outcome.status, outcome.at) == (17, status, NOW)
    assert (outcome.available_at, outcome.attempts, outcome.last_error) == (
        decision.available_at, decision.attempts, "why")


def test_error_summaries_are_short_and_name_the_class() -> None:
    """last_error carries the error class and at most 160 characters of its own summary."""
    assert error_summary(TransientError()) == "TransientError"
    assert error_summary(PermanentError("x" * 500)) == "PermanentError: " + "x" * 160
