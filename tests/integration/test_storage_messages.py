"""The storage suite for scheduled messages, on SQLite and PostgreSQL: plans, re-plans, stats."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.records import MessageOption, PlanReplacement
from storage import models
from storage.models import ScheduledMessage
from storage.reports import outbox_health
from storage.repositories import Store

NOW = datetime(2026, 3, 28, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)

Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True, kw_only=True)
class Planned:
    """Shaped like core.plans.PlannedMessage (options as (id, text) pairs)."""

    step_id: str
    occurrence: int = 0
    kind: str = "reminder"
    text: str = "Keep the treated skin out of direct sun today."
    options: tuple[tuple[str, str], ...] = ()
    due_at: datetime
    expires_at: datetime | None = None
    moved_by_quiet_hours: bool = False
    respects_quiet_hours: bool = True
    status: str = "pending"


async def setup(sessions: Sessions, chat_id: int | None = 42) -> tuple[int, int]:
    """A patient (bound to `chat_id`) with one enrollment; returns their ids."""
    async with Store(sessions) as store:
        patient = await store.patients.create(
            label="P", language="en", timezone="Asia/Kolkata", created_by=None, now=NOW
        )
        enrollment = await store.enrollments.create(
            patient_id=patient.id, protocol_id="micro-mesotherapy-face", session_start=NOW,
            created_by=None, now=NOW,
        )
        if chat_id is not None:
            await store.patients.set_chat(patient.id, chat_id, NOW)
    return patient.id, enrollment.id


async def insert(
    sessions: Sessions, patient_id: int, enrollment_id: int, planned: Sequence[Planned]
) -> int:
    async with Store(sessions) as store:
        return await store.messages.insert_plan(
            enrollment_id=enrollment_id, patient_id=patient_id, chat_id=42, planned=planned,
            now=NOW,
        )


async def set_status(sessions: Sessions, message_id: int, status: str) -> None:
    """Stand-in for the delivery engine (storage/outbox.py) moving a message on."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(ScheduledMessage).where(ScheduledMessage.id == message_id).values(status=status)
        )


async def test_insert_plan_stores_every_field_and_is_idempotent(db_sessions: Sessions) -> None:
    """A plan is stored once (a second insert adds nothing); fields and options round-trip."""
    patient_id, enrollment_id = await setup(db_sessions)
    plan = [
        Planned(step_id="sun", occurrence=0, due_at=NOW + HOUR, expires_at=NOW + 10 * HOUR,
                moved_by_quiet_hours=True),
        Planned(step_id="sun", occurrence=1, due_at=NOW + 25 * HOUR),
        Planned(step_id="checkin", kind="checkin", due_at=NOW + 2 * HOUR,
                options=(("fine", "All good"), ("worried", "I'm worried")),
                respects_quiet_hours=False),
    ]
    assert await insert(db_sessions, patient_id, enrollment_id, plan) == 3
    assert await insert(db_sessions, patient_id, enrollment_id, plan) == 0
    async with Store(db_sessions) as store:
        first, checkin, second = await store.messages.list_for_enrollment(enrollment_id)
    assert (first.step_id, first.occurrence, second.occurrence) == ("sun", 0, 1)
    assert first.status == "pending" and first.available_at == first.due_at == NOW + HOUR
    assert first.expires_at == NOW + 10 * HOUR and first.moved_by_quiet_hours
    assert (first.chat_id, first.patient_id, first.attempts) == (42, patient_id, 0)
    assert checkin.kind == "checkin" and not checkin.respects_quiet_hours
    assert checkin.options == (
        MessageOption(id="fine", text="All good"),
        MessageOption(id="worried", text="I'm worried"),
    )
    assert first.options == () and first.finished_at is None


async def test_expired_planned_messages_are_stored_finished(db_sessions: Sessions) -> None:
    """A step already past its expiry is kept as "expired", finished now, never claimable."""
    patient_id, enrollment_id = await setup(db_sessions)
    await insert(db_sessions, patient_id, enrollment_id, [
        Planned(step_id="old", due_at=NOW - 30 * HOUR, expires_at=NOW - 20 * HOUR,
                status="expired"),
    ])
    async with Store(db_sessions) as store:
        (message,) = await store.messages.list_for_enrollment(enrollment_id)
        assert (message.status, message.finished_at) == ("expired", NOW)
        assert await store.messages.upcoming_for_patient(patient_id, NOW) == ()
        with pytest.raises(ValueError, match="pending or expired"):
            await store.messages.insert_plan(
                enrollment_id=enrollment_id, patient_id=patient_id, chat_id=42,
                planned=[Planned(step_id="x", due_at=NOW, status="sent")], now=NOW,
            )
        with pytest.raises(ValueError, match="naive"):
            await store.messages.insert_plan(
                enrollment_id=enrollment_id, patient_id=patient_id, chat_id=42,
                planned=[Planned(step_id="x", due_at=datetime(2026, 1, 1))], now=NOW,
            )


async def test_replace_pending_updates_inserts_cancels_and_keeps_history(
    db_sessions: Sessions,
) -> None:
    """Re-planning updates pending rows by key, inserts new keys, cancels dropped ones, and
    leaves sent, in-flight and cancelled rows alone (never re-sent, never revived)."""
    patient_id, enrollment_id = await setup(db_sessions)
    await insert(db_sessions, patient_id, enrollment_id, [
        Planned(step_id="sent", due_at=NOW),
        Planned(step_id="sending", due_at=NOW),
        Planned(step_id="cancelled", due_at=NOW + HOUR),
        Planned(step_id="moved", due_at=NOW + HOUR),
        Planned(step_id="dropped", due_at=NOW + 2 * HOUR),
    ])
    async with Store(db_sessions) as store:
        ids = {m.step_id: m.id for m in await store.messages.list_for_enrollment(enrollment_id)}
    await set_status(db_sessions, ids["sent"], "sent")
    await set_status(db_sessions, ids["sending"], "sending")
    await set_status(db_sessions, ids["cancelled"], "cancelled")
    shift = 24 * HOUR
    new_plan = [
        Planned(step_id="sent", due_at=NOW + shift),
        Planned(step_id="sending", due_at=NOW + shift),
        Planned(step_id="cancelled", due_at=NOW + shift),
        Planned(step_id="moved", due_at=NOW + shift, text="new text"),
        Planned(step_id="new", due_at=NOW + shift),
    ]
    async with Store(db_sessions) as store:
        result = await store.messages.replace_pending(enrollment_id, new_plan, NOW)
    assert result == PlanReplacement(updated=1, inserted=1, cancelled=1)
    async with Store(db_sessions) as store:
        rows = {m.step_id: m for m in await store.messages.list_for_enrollment(enrollment_id)}
    assert {k: m.status for k, m in rows.items()} == {
        "sent": "sent", "sending": "sending", "cancelled": "cancelled", "moved": "pending",
        "dropped": "cancelled", "new": "pending",
    }
    assert rows["sent"].due_at == NOW and rows["cancelled"].due_at == NOW + HOUR
    assert rows["moved"].due_at == rows["moved"].available_at == NOW + shift
    assert rows["moved"].text == "new text" and rows["moved"].id == ids["moved"]
    assert rows["dropped"].finished_at == NOW
    async with Store(db_sessions) as store:  # the same plan again changes nothing new
        again = await store.messages.replace_pending(enrollment_id, new_plan, NOW)
    assert again == PlanReplacement(updated=2, inserted=0, cancelled=0)


async def test_replace_pending_can_expire_and_waits_for_a_chat(db_sessions: Sessions) -> None:
    """A re-plan may expire a pending row; before consent (no chat) nothing new is inserted."""
    patient_id, enrollment_id = await setup(db_sessions)
    await insert(db_sessions, patient_id, enrollment_id, [Planned(step_id="a", due_at=NOW)])
    async with Store(db_sessions) as store:
        result = await store.messages.replace_pending(
            enrollment_id, [Planned(step_id="a", due_at=NOW - HOUR, status="expired")], NOW
        )
        assert result.updated == 1
        (row,) = await store.messages.list_for_enrollment(enrollment_id)
        assert (row.status, row.finished_at) == ("expired", NOW)
    _, unbound = await setup(db_sessions, chat_id=None)
    async with Store(db_sessions) as store:
        result = await store.messages.replace_pending(unbound, [Planned(step_id="a", due_at=NOW)],
                                                      NOW)
        assert result == PlanReplacement(updated=0, inserted=0, cancelled=0)


async def test_cancel_pending_for_patient_and_enrollment(db_sessions: Sessions) -> None:
    """Cancelling ends pending messages only, with the reason, and returns how many."""
    patient_id, enrollment_id = await setup(db_sessions)
    await insert(db_sessions, patient_id, enrollment_id,
                 [Planned(step_id=s, due_at=NOW) for s in ("a", "b", "c")])
    async with Store(db_sessions) as store:
        first = (await store.messages.list_for_enrollment(enrollment_id))[0]
    await set_status(db_sessions, first.id, "sent")
    async with Store(db_sessions) as store:
        assert await store.messages.cancel_pending_for_patient(patient_id, NOW, "stop") == 2
        assert await store.messages.cancel_pending_for_patient(patient_id, NOW, "stop") == 0
        rows = await store.messages.list_for_enrollment(enrollment_id)
        assert [m.status for m in rows] == ["sent", "cancelled", "cancelled"]
        assert rows[1].last_error == "cancelled: stop" and rows[1].finished_at == NOW
    other_patient, other_enrollment = await setup(db_sessions, chat_id=43)
    await insert(db_sessions, other_patient, other_enrollment, [Planned(step_id="a", due_at=NOW)])
    async with Store(db_sessions) as store:
        assert await store.messages.cancel_pending_for_enrollment(other_enrollment, NOW, "x") == 1
    patient3, enrollment3 = await setup(db_sessions, chat_id=44)
    await insert(db_sessions, patient3, enrollment3, [Planned(step_id="a", due_at=NOW)])
    async with Store(db_sessions) as store:
        assert await store.enrollments.cancel(enrollment3, NOW) == 1


async def test_upcoming_and_get(db_sessions: Sessions) -> None:
    """Upcoming lists open, unexpired messages soonest first; get finds one by id."""
    patient_id, enrollment_id = await setup(db_sessions)
    await insert(db_sessions, patient_id, enrollment_id, [
        Planned(step_id="later", due_at=NOW + 5 * HOUR),
        Planned(step_id="soon", due_at=NOW + HOUR),
        Planned(step_id="stale", due_at=NOW - 3 * HOUR, expires_at=NOW - HOUR),
        Planned(step_id="done", due_at=NOW - HOUR),
    ])
    async with Store(db_sessions) as store:
        ids = {m.step_id: m.id for m in await store.messages.list_for_enrollment(enrollment_id)}
    await set_status(db_sessions, ids["done"], "sent")
    async with Store(db_sessions) as store:
        upcoming = await store.messages.upcoming_for_patient(patient_id, NOW)
        assert [m.step_id for m in upcoming] == ["soon", "later"]
        assert len(await store.messages.upcoming_for_patient(patient_id, NOW, limit=1)) == 1
        got = await store.messages.get(ids["done"])
        assert got is not None and got.status == "sent"
        assert await store.messages.get(ids["done"] + 999) is None


async def test_stats_by_status_protocol_and_backlog(db_sessions: Sessions) -> None:
    """Stats count every status (zeros too), per protocol, and the due backlog and its age;
    a message that expired at planning (pre-care planned after its time) is no "expired"
    delivery, one that expired waiting is (issue 21)."""
    patient_id, enrollment_id = await setup(db_sessions)
    async with Store(db_sessions) as store:
        empty = await store.messages.stats(NOW)
    assert empty.due_backlog == 0 and empty.oldest_due_at is None
    assert set(empty.by_status.values()) == {0} and empty.by_protocol == {}
    await insert(db_sessions, patient_id, enrollment_id, [
        Planned(step_id="overdue", due_at=NOW - 2 * HOUR),
        Planned(step_id="due", due_at=NOW),
        Planned(step_id="future", due_at=NOW + HOUR),
        Planned(step_id="gone", due_at=NOW - 9 * HOUR, status="expired"),
        Planned(step_id="late", due_at=NOW - 3 * HOUR),
    ])
    async with db_sessions() as session, session.begin():
        await session.execute(update(ScheduledMessage)
                              .where(ScheduledMessage.step_id == "late")
                              .values(status="expired", finished_at=NOW + HOUR))
    async with Store(db_sessions) as store:
        stats = await store.messages.stats(NOW)
    assert stats.by_status["pending"] == 3 and stats.by_status["expired"] == 1
    assert stats.by_status["sent"] == 0
    assert stats.by_protocol["micro-mesotherapy-face"]["pending"] == 3
    assert stats.due_backlog == 2 and stats.oldest_due_at == NOW - 2 * HOUR


async def test_due_backlog_is_counted_up_to_its_cap_oldest_first(
    db_sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The due backlog is read in available_at order up to DUE_COUNT_CAP (so PostgreSQL
    walks the claim index and stops, whatever it estimates): past the cap it says the cap,
    and the oldest due message is still the oldest; messages not yet due never count."""
    monkeypatch.setattr(models, "DUE_COUNT_CAP", 2)
    patient_id, enrollment_id = await setup(db_sessions)
    await insert(db_sessions, patient_id, enrollment_id, [
        Planned(step_id="newest", due_at=NOW - HOUR),
        Planned(step_id="oldest", due_at=NOW - 5 * HOUR),
        Planned(step_id="middle", due_at=NOW - 3 * HOUR),
        Planned(step_id="future", due_at=NOW + HOUR),
    ])
    async with Store(db_sessions) as store:
        stats = await store.messages.stats(NOW)
    assert stats.due_backlog == 2 and stats.oldest_due_at == NOW - 5 * HOUR
    async with db_sessions() as session:
        health = await outbox_health(session, NOW)
    assert health.due_backlog == 2 and health.lag_seconds(NOW) == 5 * 3600
    async with db_sessions() as session:
        assert (await outbox_health(session, NOW - 4 * HOUR)).due_backlog == 1
