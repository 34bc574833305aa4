"""Staff-chat posts to a group through the delivery engine: Telegram's 20 a minute kept from
each answer, in order, without asking the database about every queued post."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FakeClock
from core.statuses import MessageKind
from jobs.sender import OutgoingMessage
from storage.database import session_factory
from storage.pacing import PacingStore
from storage.repositories import Store
from testkit.delivery_support import T0
from tests.integration.test_delivery import ALERT_CHAT, ScriptedSender, drain, make_worker


async def test_group_posts_keep_their_spacing_from_each_answer_and_cost_few_reservations(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """30 posts queued for one group (3 s apart): in order; each send starts at least 3 s
    after the previous one was answered, so a slow answer (10 s) pushes the next one back
    rather than letting two arrive together; and the queue is not asked about post by post
    in every pass (a chat known to be held is deferred without a reservation)."""
    clock = FakeClock(T0)
    async with Store(session_factory(engine)) as store:
        for i in range(30):
            await store.escalations.enqueue_post(
                kind=MessageKind.POST, chat_id=ALERT_CHAT, text=f"post {i}", now=T0,
                case_id=None, about_patient_id=None)
    answered: list[datetime] = []

    def answer(message: OutgoingMessage) -> int:
        if message.text == "post 5":
            clock.advance(timedelta(seconds=10))  # Telegram took 10 s to answer this one
        answered.append(clock.now())
        return 1

    reservations = 0
    reserve = PacingStore.reserve_slots

    async def counting(self: PacingStore, **kwargs: Any) -> Any:
        nonlocal reservations
        reservations += 1
        return await reserve(self, **kwargs)

    monkeypatch.setattr(PacingStore, "reserve_slots", counting)
    sender = ScriptedSender(clock, answer)
    worker = make_worker(engine, clock, sender, group_per_minute=20)
    await drain(worker, clock, limit=500)
    assert [m.text for _, m in sender.calls] == [f"post {i}" for i in range(30)]
    started = [t for t, _ in sender.calls]
    for before, after in itertools.pairwise(range(30)):
        assert (started[after] - answered[before]).total_seconds() >= 3 - 1e-6
    assert (started[6] - started[5]).total_seconds() >= 13 - 1e-6
    assert reservations <= 2 * 30  # was one per queued post and pass (~30 x 30)


async def test_red_flag_posts_go_first_and_a_cases_posts_keep_their_order(
    engine: AsyncEngine,
) -> None:
    """A queue of question cases' posts, then a red flag's card arrives: it is the next
    post the group gets. A follow-up written while the queue waited (due before the
    deferred posts) still goes after them, in the order written: never before its card."""
    clock = FakeClock(T0)
    async with Store(session_factory(engine)) as store:
        for i in range(6):
            case = await store.escalations.open(
                patient_id=None, enrollment_id=None, kind="handoff", rule_id=None,
                patient_text="q", now=T0)
            await store.escalations.enqueue_post(
                kind=MessageKind.CARD, chat_id=ALERT_CHAT, text=f"question {i}", now=T0,
                case_id=case.id, about_patient_id=None)
    sender = ScriptedSender(clock, lambda m: 1)
    worker = make_worker(engine, clock, sender, group_per_minute=20)
    await worker.run_once()  # "question 0" goes; the rest wait for the group
    later = T0 + timedelta(seconds=1)
    async with Store(session_factory(engine)) as store:
        urgent = await store.escalations.open(
            patient_id=None, enrollment_id=None, kind="red_flag", rule_id="r",
            patient_text="fever", now=later)
        await store.escalations.enqueue_post(
            kind=MessageKind.CARD, chat_id=ALERT_CHAT, text="red flag", now=later,
            case_id=urgent.id, about_patient_id=None)
        await store.escalations.enqueue_post(
            kind=MessageKind.POST, chat_id=ALERT_CHAT, text="question 1 follow-up", now=later,
            case_id=2, about_patient_id=None)
    clock.set(later)
    await drain(worker, clock, limit=500)
    assert [m.text for _, m in sender.calls] == [
        "question 0", "red flag", "question 1", "question 2", "question 3", "question 4",
        "question 5", "question 1 follow-up"]
