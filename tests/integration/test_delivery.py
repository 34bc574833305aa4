"""Delivery engine against a real database (SQLite and PostgreSQL), with scripted senders."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FakeClock
from jobs.alerts import FailureAlerts
from jobs.delivery import DeliveryWorker
from jobs.pacing import PacingPolicy, Sleep
from jobs.sender import (
    ChatUnreachable,
    NullSender,
    OutgoingMessage,
    PermanentError,
    RetryLater,
    TransientError,
)
from storage.models import Escalation
from storage.outbox import MESSAGES, PATIENTS, Outbox
from storage.pacing import PACING
from storage.system_clock import SystemClock
from testkit.delivery_support import T0, fast_settings, rows, seed

ALERT_CHAT = -100500


class ScriptedSender:
    """Answers each send with `script(message)`: a message id, or raises what it returns."""

    def __init__(self, clock: FakeClock, script: Callable[[OutgoingMessage], object]) -> None:
        self.clock = clock
        self.script = script
        self.calls: list[tuple[datetime, OutgoingMessage]] = []

    async def send(self, message: OutgoingMessage) -> int:
        self.calls.append((self.clock.now(), message))
        result = self.script(message)
        if isinstance(result, Exception):
            raise result
        assert isinstance(result, int)
        return result

    def to_patients(self) -> list[tuple[datetime, OutgoingMessage]]:
        return [(t, m) for t, m in self.calls if m.kind != "notice"]

    def alerts(self) -> list[OutgoingMessage]:
        """The staff notices of failed deliveries (outbox rows, sent like any post)."""
        return [m for _, m in self.calls if m.kind == "notice"]


def fake_sleep(clock: FakeClock) -> Sleep:
    """Sleeping moves the fake clock on; no real time passes."""

    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)

    return sleep


def make_worker(
    engine: AsyncEngine, clock: FakeClock, sender: object, *, sleep: Sleep | None = None,
    **settings: object,
) -> DeliveryWorker:
    """A worker on the fake clock: tiny backoff, no warm-up, lateness never re-spaces slots."""
    chosen = fast_settings(**settings)
    return DeliveryWorker(
        outbox=Outbox(engine),
        sender=sender,  # type: ignore[arg-type]
        settings=chosen,
        clock=clock,
        clinic_timezone="Asia/Kolkata",
        alerts=FailureAlerts(chat_id=ALERT_CHAT),
        rng=random.Random(7),
        sleep=sleep or fake_sleep(clock),
        policy=PacingPolicy(
            rate_per_second=chosen.rate_per_second,
            per_chat_seconds=chosen.per_chat_seconds,
            late_seconds=1e9,
            warmup_seconds=0,
        ),
    )


async def drain(worker: DeliveryWorker, clock: FakeClock, *, limit: int = 200) -> None:
    """Run passes, jumping the fake clock to each next due time, until nothing is pending."""
    for _ in range(limit):
        next_due = await worker.run_once()
        if next_due is None:
            return
        if next_due > clock.now():
            clock.set(next_due)
    raise AssertionError("delivery did not settle")


async def test_due_messages_are_sent_once_and_recorded(engine: AsyncEngine) -> None:
    """Every due message is sent exactly once and recorded sent with Telegram's id."""
    clock = FakeClock(T0)
    await seed(engine, 120, due=T0)
    sender = NullSender()
    worker = make_worker(engine, clock, sender, batch_size=50)
    await drain(worker, clock)
    stored = await rows(engine)
    assert [r.status for r in stored] == ["sent"] * 120
    assert sorted(m.message_id for m in sender.sent) == [r.id for r in stored]
    assert all(r.telegram_message_id and r.sent_at and r.lease_owner is None for r in stored)
    assert worker.counters.sent == 120


async def test_future_messages_wait_and_next_due_is_reported(engine: AsyncEngine) -> None:
    """A message due later is not sent early; run_once returns its due time."""
    clock = FakeClock(T0)
    await seed(engine, 1, due=T0 + timedelta(minutes=10))
    sender = NullSender()
    worker = make_worker(engine, clock, sender)
    assert await worker.run_once() == T0 + timedelta(minutes=10)
    assert sender.sent == []
    clock.set(T0 + timedelta(minutes=10))
    assert await worker.run_once() is None
    assert len(sender.sent) == 1


async def test_expired_and_cancelled_are_never_sent(engine: AsyncEngine) -> None:
    """Past expiry -> expired; stopped patient -> cancelled; neither reaches the sender."""
    clock = FakeClock(T0 + timedelta(hours=2))
    await seed(engine, 3, due=T0, expires=timedelta(hours=1))
    async with engine.begin() as conn:
        await conn.execute(update(MESSAGES).where(MESSAGES.c.id == 3)
                           .values(expires_at=T0 + timedelta(hours=5)))
        await conn.execute(update(PATIENTS).where(PATIENTS.c.id == 3).values(status="stopped"))
    sender = NullSender()
    await drain(make_worker(engine, clock, sender), clock)
    assert [r.status for r in await rows(engine)] == ["expired", "expired", "cancelled"]
    assert sender.sent == []


async def test_quiet_hours_move_the_message_to_their_end(engine: AsyncEngine) -> None:
    """At 23:00 patient-local the message is moved to 08:00 local, then sent then."""
    night = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)  # 23:00 in Asia/Kolkata
    clock = FakeClock(night)
    await seed(engine, 1, due=night, expires=timedelta(hours=24))
    sender = ScriptedSender(clock, lambda m: 7)
    worker = make_worker(engine, clock, sender, quiet_hours="21:00-08:00")
    morning = datetime(2026, 3, 3, 2, 30, tzinfo=UTC)  # 08:00 in Asia/Kolkata
    assert await worker.run_once() == morning
    (row,) = await rows(engine)
    assert (row.status, row.available_at, row.moved_by_quiet_hours) == ("pending", morning, True)
    assert sender.calls == []
    await drain(worker, clock)
    assert [t for t, _ in sender.calls] == [morning]


async def test_quiet_hours_past_expiry_expire_instead(engine: AsyncEngine) -> None:
    """A night-time message whose expiry comes before morning is marked expired, not sent."""
    night = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)
    clock = FakeClock(night)
    await seed(engine, 1, due=night, expires=timedelta(hours=2))
    sender = NullSender()
    await drain(make_worker(engine, clock, sender, quiet_hours="21:00-08:00"), clock)
    assert [r.status for r in await rows(engine)] == ["expired"]
    assert sender.sent == []


async def test_transient_errors_retry_then_fail_and_alert_in_batches(
    engine: AsyncEngine,
) -> None:
    """5xx-like errors retry with backoff; after max_attempts: failed, and staff alerts are
    batched (at most one a minute) and together name every failed message."""
    clock = FakeClock(T0)
    await seed(engine, 4, due=T0)
    sender = ScriptedSender(
        clock, lambda m: 1 if m.kind == "notice" else TransientError("NetworkError: 502")
    )
    worker = make_worker(engine, clock, sender, max_attempts=3)
    await drain(worker, clock)
    stored = [r for r in await rows(engine) if r.kind != "notice"]
    assert [(r.status, r.attempts) for r in stored] == [("failed", 2)] * 4
    assert all("gave up after 3 attempts" in (r.last_error or "") for r in stored)
    assert len(sender.to_patients()) == 12
    assert len(sender.alerts()) == 1  # the first failure; the rest wait for the minute
    clock.advance(timedelta(seconds=60))
    await worker.run_once()  # queues the second notice (an outbox row) ...
    await worker.run_once()  # ... which the next pass sends
    alerts = sender.alerts()
    assert len(alerts) == 2 and {a.chat_id for a in alerts} == {ALERT_CHAT}
    listed = " ".join(a.text.split("Message ids: ")[1].split("\n")[0] for a in alerts)
    assert sorted(int(i) for i in listed.replace(",", " ").split()) == [1, 2, 3, 4]
    assert all("Reminder" not in a.text for a in alerts)  # no message text in alerts
    await worker.run_once()
    assert len(sender.alerts()) == 2  # nothing new failed: no further alert


async def test_blocked_chat_marks_patient_unreachable(engine: AsyncEngine) -> None:
    """403 cancels the message and every pending one of that patient; status unreachable."""
    clock = FakeClock(T0)
    await seed(engine, 6, chats=2, due=T0)  # chats 1000, 1001 alternate
    async with engine.begin() as conn:  # chat 1000's later messages are not due yet
        await conn.execute(update(MESSAGES).where(MESSAGES.c.id.in_([3, 5]))
                           .values(available_at=T0 + timedelta(hours=1)))
    sender = ScriptedSender(clock, lambda m: ChatUnreachable("Forbidden") if m.chat_id == 1000
                            else 5)
    await drain(make_worker(engine, clock, sender), clock)
    assert [r.status for r in await rows(engine)] == ["cancelled", "sent"] * 3
    async with engine.connect() as conn:
        status = await conn.scalar(select(PATIENTS.c.status).where(PATIENTS.c.id == 1))
    assert status == "unreachable"
    assert [m.chat_id for _, m in sender.to_patients()].count(1000) == 1


async def test_bad_request_fails_at_once_and_alerts(engine: AsyncEngine) -> None:
    """A 400 fails the message on the first try (no retry) and staff get an alert."""
    clock = FakeClock(T0)
    await seed(engine, 2, due=T0)
    sender = ScriptedSender(
        clock, lambda m: PermanentError("BadRequest: can't parse entities") if m.message_id == 1
        else 3,
    )
    await drain(make_worker(engine, clock, sender), clock)
    stored = [r for r in await rows(engine) if r.kind != "notice"]
    assert [(r.status, r.attempts) for r in stored] == [("failed", 0), ("sent", 0)]
    assert len(sender.to_patients()) == 2
    assert len(sender.alerts()) == 1 and "PermanentError" in sender.alerts()[0].text
    # The patient missed their aftercare: a delivery case is open for them (no card: the
    # batched notice above announced it).
    async with engine.connect() as conn:
        [case] = (await conn.execute(select(Escalation.__table__))).all()
    assert (case.kind, case.status, case.rule_id) == ("delivery", "open", "message:1")
    patient_of_1 = stored[0].patient_id
    assert case.patient_id == patient_of_1


async def test_retry_after_pauses_everyone_without_counting_an_attempt(
    engine: AsyncEngine,
) -> None:
    """A 429 sets the shared pause; the message returns to pending with attempts unchanged."""
    clock = FakeClock(T0)
    await seed(engine, 3, due=T0)
    answers = iter([RetryLater(30), 1, 2, 3])
    sender = ScriptedSender(clock, lambda m: next(answers))
    worker = make_worker(engine, clock, sender)
    assert await worker.run_once() == T0 + timedelta(seconds=30)
    async with engine.connect() as conn:
        paused = await conn.scalar(select(PACING.c.paused_until))
    assert paused == pytest.approx((T0 + timedelta(seconds=30)).timestamp())
    assert [(r.status, r.attempts) for r in await rows(engine)] == [("pending", 0)] * 3
    other = make_worker(engine, clock, NullSender())  # another process honours the pause
    assert await other.run_once() == T0 + timedelta(seconds=30)
    await drain(worker, clock)
    assert [r.status for r in await rows(engine)] == ["sent"] * 3
    assert all(t >= T0 + timedelta(seconds=30) for t, _ in sender.calls[1:])


async def test_expired_lease_is_reclaimed(engine: AsyncEngine) -> None:
    """Rows leased by a dead process come back once the lease runs out, and are sent."""
    clock = FakeClock(T0)
    await seed(engine, 5, due=T0)
    dead = Outbox(engine)
    claimed = await dead.claim(owner="dead", now=T0, lease_until=T0 + timedelta(seconds=5),
                               limit=3)
    assert len(claimed) == 3
    sender = NullSender()
    worker = make_worker(engine, clock, sender)
    assert await worker.run_once() == T0 + timedelta(seconds=5)  # the lease's end
    assert sorted(m.message_id for m in sender.sent) == [4, 5]
    clock.advance(timedelta(seconds=6))
    await drain(worker, clock)
    assert sorted(m.message_id for m in sender.sent) == [1, 2, 3, 4, 5]


async def test_global_rate_and_per_chat_spacing_hold(engine: AsyncEngine) -> None:
    """At 10/s no two sends are closer than 0.1 s; one chat never twice within 1 s."""
    clock = FakeClock(T0)
    await seed(engine, 40, chats=10, due=T0)
    sender = ScriptedSender(clock, lambda m: 1)
    worker = make_worker(engine, clock, sender, rate_per_second=10, per_chat_seconds=1)
    await drain(worker, clock, limit=500)
    times = [t for t, _ in sender.calls]
    assert len(times) == 40
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.1 - 1e-6
    for chat in range(1000, 1010):
        sent = [t for t, m in sender.calls if m.chat_id == chat]
        assert len(sent) == 4
        assert min((b - a).total_seconds() for a, b in itertools.pairwise(sent)) >= 1
    assert (times[-1] - times[0]).total_seconds() < 40 * 0.1 * 1.2  # and no slower than needed


async def test_two_workers_share_the_pacing_row(engine: AsyncEngine) -> None:
    """Two workers on one database interleave their slots: together still 10/s."""
    clock = FakeClock(T0)
    await seed(engine, 30, due=T0)
    sender = ScriptedSender(clock, lambda m: 1)
    first = make_worker(engine, clock, sender, rate_per_second=10, batch_size=5)
    second = make_worker(engine, clock, sender, rate_per_second=10, batch_size=5)
    for _ in range(20):
        await first.run_once()
        await second.run_once()
    times = sorted(t for t, _ in sender.calls)
    assert len(times) == 30
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.1 - 1e-6


async def test_short_retry_after_is_waited_out_within_the_pass(engine: AsyncEngine) -> None:
    """A 429 shorter than the lease: the worker waits it out and sends the rest itself."""
    clock = FakeClock(T0)
    await seed(engine, 3, due=T0)
    answers = iter([RetryLater(1), 1, 2, 3])
    sender = ScriptedSender(clock, lambda m: next(answers))
    worker = make_worker(engine, clock, sender)
    await worker.run_once()
    assert [(t >= T0 + timedelta(seconds=1), m.message_id) for t, m in sender.calls] == [
        (False, 1), (True, 2), (True, 3),
    ]
    assert [r.status for r in await rows(engine)] == ["pending", "sent", "sent"]
    await drain(worker, clock)
    assert [r.status for r in await rows(engine)] == ["sent"] * 3
    assert worker.counters.requeued == 1  # only the message that got the 429


async def test_job_queue_wiring_delivers_on_time_and_on_wake(engine: AsyncEngine) -> None:
    """install_delivery_jobs: the first tick sends what is due, a one-shot job fires at the
    next due time (well before the slow poll), and wake() runs a pass at once."""
    from telegram.ext import ApplicationBuilder

    from bot.jobqueue import NEXT_JOB, install_delivery_jobs
    from testkit.fakes.bot_api import DEFAULT_TOKEN

    now = datetime.now(UTC)
    await seed(engine, 2, due=now)
    async with engine.begin() as conn:  # the second one is due in 0.5 s
        await conn.execute(update(MESSAGES).where(MESSAGES.c.id == 2)
                           .values(available_at=now + timedelta(seconds=0.5)))
    sender = NullSender()
    worker = DeliveryWorker(outbox=Outbox(engine), sender=sender,
                            settings=fast_settings(poll_seconds=30), clock=SystemClock())
    application = ApplicationBuilder().token(DEFAULT_TOKEN).build()
    job_queue = application.job_queue
    assert job_queue is not None
    await job_queue.start()
    try:
        jobs = install_delivery_jobs(job_queue, worker, poll_seconds=30)
        await _until(lambda: len(sender.sent) == 2, 5)
        assert [m.message_id for m in sender.sent] == [1, 2]
        async with engine.begin() as conn:  # e.g. consent just planned a due-now message
            await conn.execute(insert(MESSAGES).values(
                chat_id=9000, step_id="welcome", kind="reminder", text="Welcome",
                due_at=now, available_at=now, created_at=now))
        worker.wake()
        await _until(lambda: len(sender.sent) == 3, 5)  # long before the 30 s poll
        assert jobs.poll_seconds == 30 and not job_queue.get_jobs_by_name(NEXT_JOB)
    finally:
        await job_queue.stop(wait=False)


async def _until(condition: Callable[[], bool], seconds: float) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")

