"""The escalation ladder in storage, on SQLite and PostgreSQL: a round's outcome queues the
next round in the same transaction, once, only while its case is open and for the case's
current ladder run; a case made urgent again reopens with a new run; erasure closes the
patient's cases, cancels their timers and tells staff once; migration 0009 keeps an open
red flag escalating."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.ladder import Ladder, ladder_step
from storage.database import create_engine, migrate, migrate_async
from storage.models import ScheduledMessage
from storage.outbox import Outbox, Outcome
from storage.patient_data import forget_patient_data
from storage.reports import case_figures
from storage.repositories import Store
from testkit.postgres import scratch_database
from tests.integration.test_storage import NOW, Sessions, enrolled
from tests.integration.test_storage_migrations import _downgrade, _read

STAFF_CHAT, ON_CALL, ADMIN = -100500, 2000, 1000
LADDER = Ladder(ack=timedelta(minutes=10), followup=timedelta(minutes=15),
                repeat=timedelta(minutes=15), on_call=(ON_CALL,), admins=(ADMIN,),
                staff_chat=STAFF_CHAT)


async def _urgent_case(sessions: Sessions) -> tuple[int, int, tuple[int, ...]]:
    """A patient's open red-flag case with its ladder's round 1 queued (a re-alert and a
    page), due at NOW: (patient id, case id, the round's outbox ids)."""
    patient, _ = await enrolled(sessions, chat_id=42)
    async with Store(sessions) as store:
        case = await store.escalations.open(patient_id=patient.id, enrollment_id=None,
                                            kind="red_flag", rule_id="infection",
                                            patient_text="pus", now=NOW - timedelta(minutes=10))
        assert case.ladder_run == 1
        first = LADDER.first_round(case_id=case.id, patient_id=patient.id, kind=case.kind,
                                   start=case.created_at)
        ids = tuple([
            await store.escalations.enqueue_timer(
                case.id, chat_id=post.chat_id, text=post.text, due_at=first.due_at,
                now=case.created_at, about_patient_id=patient.id,
                step_id=ladder_step(1), occurrence=1)
            for post in first.posts])
    return patient.id, case.id, ids


async def _ladder_rows(sessions: Sessions, case_id: int) -> list[tuple[str, int, int, str]]:
    """(step, round, chat, status) of the case's ladder rows, in id order."""
    async with sessions() as session:
        rows = await session.execute(
            select(ScheduledMessage.step_id, ScheduledMessage.occurrence,
                   ScheduledMessage.chat_id, ScheduledMessage.status)
            .where(ScheduledMessage.case_id == case_id,
                   ScheduledMessage.step_id.startswith("ladder:"))
            .order_by(ScheduledMessage.id))
    return [(s, int(o), int(c), str(st)) for s, o, c, st in rows]


async def _deliver(outbox: Outbox, at: datetime, owner: str = "w") -> list[int]:
    """Claim what is due at `at` and record it as sent, one outcome write per message (as
    separate delivery passes would): the ids sent."""
    claimed = await outbox.claim(owner=owner, now=at, lease_until=at + timedelta(minutes=1),
                                 limit=50)
    for message in claimed:
        await outbox.record(owner=owner, outcomes=[Outcome(
            message_id=message.id, status="sent", at=at, telegram_message_id=message.id,
            kind=message.kind)])
    return [m.id for m in claimed]


async def test_each_round_queues_the_next_once(db_sessions: Sessions, db_engine: AsyncEngine
                                               ) -> None:
    """Round 1's two rows are recorded one by one: the first queues round 2 (on-call at
    +30), the second queues nothing more; round 2 queues round 3 with the admin too; one
    round waits at a time."""
    _patient, case_id, round_one = await _urgent_case(db_sessions)
    outbox = Outbox(db_engine, ladder=LADDER)
    assert sorted(await _deliver(outbox, NOW)) == sorted(round_one)
    step = ladder_step(1)
    assert await _ladder_rows(db_sessions, case_id) == [
        (step, 1, STAFF_CHAT, "sent"), (step, 1, ON_CALL, "sent"),
        (step, 2, ON_CALL, "pending")]
    assert await _deliver(outbox, NOW + timedelta(minutes=19)) == []
    [page_two] = await _deliver(outbox, NOW + timedelta(minutes=20))
    rows = await _ladder_rows(db_sessions, case_id)
    assert rows[3:] == [(step, 3, ON_CALL, "pending"), (step, 3, ADMIN, "pending")]
    async with Store(db_sessions) as store:
        row = await store.messages.get(page_two + 1)
    assert row is not None and row.due_at == NOW + timedelta(minutes=35)
    assert "(page 3)" in row.text and "case #" in row.text


async def test_no_next_round_once_acknowledged_nor_for_an_earlier_run(
    db_sessions: Sessions, db_engine: AsyncEngine
) -> None:
    """A page in flight when the case is acknowledged queues nothing when its outcome comes;
    made urgent again (run 2), a late outcome of run 1 queues nothing either, and run 2's
    own rounds go on."""
    patient_id, case_id, _round_one = await _urgent_case(db_sessions)
    outbox = Outbox(db_engine, ladder=LADDER)
    claimed = await outbox.claim(owner="w", now=NOW, lease_until=NOW + timedelta(minutes=1),
                                 limit=50)
    async with Store(db_sessions) as store:
        assert await store.escalations.acknowledge(case_id, ADMIN, NOW) is not None
    sent = claimed[0]
    await outbox.record(owner="w", outcomes=[Outcome(message_id=sent.id, status="sent", at=NOW,
                                                     telegram_message_id=1, kind=sent.kind)])
    assert all(occurrence == 1 for _s, occurrence, _c, _st in
               await _ladder_rows(db_sessions, case_id))
    later = NOW + timedelta(minutes=2)
    async with Store(db_sessions) as store:
        raised = await store.escalations.raise_urgent(case_id, kind="red_flag", rule_id="pain",
                                                      words="worse", now=later)
        assert raised.ladder_run == 2
        await store.escalations.enqueue_timer(
            case_id, chat_id=ON_CALL, text="page", due_at=later + timedelta(minutes=10),
            now=later, about_patient_id=patient_id, step_id=ladder_step(2), occurrence=1)
    straggler = claimed[1]
    await outbox.record(owner="w", outcomes=[Outcome(
        message_id=straggler.id, status="sent", at=later, telegram_message_id=2,
        kind=straggler.kind)])
    assert [r for r in await _ladder_rows(db_sessions, case_id) if r[1] > 1] == []
    await _deliver(outbox, later + timedelta(minutes=10))
    assert (await _ladder_rows(db_sessions, case_id))[-1] == (
        ladder_step(2), 2, ON_CALL, "pending")


async def test_raise_urgent_reopens_an_acknowledged_case(db_sessions: Sessions) -> None:
    """An acknowledged, assigned hand-off case made urgent: open again without who
    acknowledged it (the assignee stays), the red flag's kind, rule, words and time, a new
    ladder run, and its earlier timers cancelled; /stats times its acknowledgement from
    then."""
    patient, _ = await enrolled(db_sessions, chat_id=42)
    later = NOW + timedelta(minutes=5)
    async with Store(db_sessions) as store:
        case = await store.escalations.open(patient_id=patient.id, enrollment_id=None,
                                            kind="handoff", rule_id=None,
                                            patient_text="parking?", now=NOW)
        assert case.ladder_run == 0 and case.headline == "parking?"
        await store.escalations.enqueue_timer(case.id, chat_id=42, text="t", due_at=later,
                                              now=NOW, patient_id=patient.id)
        await store.escalations.assign(case.id, ADMIN)
        await store.escalations.acknowledge(case.id, ADMIN, NOW)
        raised = await store.escalations.raise_urgent(case.id, kind="checkin", rule_id="d1:w",
                                                      words="I'm worried", now=later)
        assert not await store.escalations.ladder_live(case.id)
        [(_timer, status)] = await store.escalations.timers(case.id)
    assert (raised.status, raised.kind, raised.rule_id) == ("open", "checkin", "d1:w")
    assert (raised.acknowledged_by, raised.acknowledged_at, raised.assigned_to) == (
        None, None, ADMIN)
    assert (raised.raised_at, raised.raised_text, raised.ladder_run) == (later, "I'm worried", 1)
    assert raised.headline == "I'm worried" and raised.patient_text == "parking?"
    assert status == "cancelled"
    async with Store(db_sessions) as store:
        again = await store.escalations.raise_urgent(case.id, kind="red_flag", rule_id="fever",
                                                     words="fever", now=later)
        assert again.kind == "red_flag" and again.ladder_run == 2
        assert (await store.escalations.raise_urgent(
            case.id, kind="checkin", rule_id=None, words="x", now=later)).kind == "red_flag"
        await store.escalations.acknowledge(case.id, ADMIN, later + timedelta(minutes=3))
    async with db_sessions() as session:
        figures = await case_figures(session)
    assert figures.ack_median_seconds == 180  # from when it became urgent again


async def test_erasure_closes_the_case_stops_its_ladder_and_tells_staff_once(
    db_sessions: Sessions, db_engine: AsyncEngine
) -> None:
    """Forgetting a patient with an open red flag whose card is out: the case is closed as
    erased, its waiting timers are cancelled, and the staff chat gets the card redrawn
    without words and one notice under it; no words or label are left on the case."""
    patient_id, case_id, _round_one = await _urgent_case(db_sessions)
    async with Store(db_sessions) as store:
        card = await store.escalations.enqueue_post(
            kind="card", chat_id=STAFF_CHAT, text="🚨 card", now=NOW, case_id=case_id,
            about_patient_id=patient_id)
        await store.escalations.raise_urgent(case_id, kind="red_flag", rule_id="r",
                                             words="worse pus", now=NOW)
    outbox = Outbox(db_engine, ladder=LADDER)
    [claimed] = await outbox.claim(owner="w", now=NOW, lease_until=NOW + timedelta(minutes=1),
                                   limit=50)
    assert claimed.id == card
    await outbox.record(owner="w", outcomes=[Outcome(message_id=card, status="sent", at=NOW,
                                                     telegram_message_id=77, kind="card")])
    async with Store(db_sessions) as store:
        await store.escalations.enqueue_timer(
            case_id, chat_id=ON_CALL, text="page", due_at=NOW + timedelta(minutes=10),
            now=NOW, about_patient_id=patient_id, step_id=ladder_step(2), occurrence=1)
    async with db_sessions() as session, session.begin():
        assert await forget_patient_data(session, patient_id, NOW, staff_ids=[ADMIN])
    async with Store(db_sessions) as store:
        case = await store.escalations.get(case_id)
        timers = await store.escalations.timers(case_id)
    assert case is not None and (case.status, case.closed_reason) == ("resolved", "erased")
    assert (case.patient_text, case.raised_text) == (None, None)
    assert all(status == "cancelled" for _id, status in timers)
    async with db_sessions() as session:
        posts = (await session.execute(
            select(ScheduledMessage.kind, ScheduledMessage.text,
                   ScheduledMessage.reply_to_message_id)
            .where(ScheduledMessage.about_patient_id == patient_id, ScheduledMessage.id > card,
                   ScheduledMessage.chat_id == STAFF_CHAT,
                   ScheduledMessage.status == "pending")
            .order_by(ScheduledMessage.id))).all()
    # The card edited to the erased text (its buttons gone), then the notice under it.
    assert [(kind, reply) for kind, _text, reply in posts] == [("erase", 77), ("post", 77)]
    assert "Details erased" in posts[0][1] and "was still unresolved" in posts[1][1]
    async with db_sessions() as session, session.begin():
        assert await forget_patient_data(session, patient_id, NOW, staff_ids=[ADMIN])
    async with db_sessions() as session:
        notices = list(await session.scalars(
            select(ScheduledMessage.id).where(ScheduledMessage.case_id == case_id,
                                              ScheduledMessage.kind == "post")))
    assert len(notices) == 1  # erasing again tells nobody twice


async def test_a_blocked_on_call_chat_keeps_the_ladder_pages(
    db_sessions: Sessions, db_engine: AsyncEngine
) -> None:
    """An on-call member who blocked the bot (403): their other pending messages are
    cancelled, but not the ladder's pages, which are tried (and so keep the ladder going)."""
    patient_id, case_id, _round_one = await _urgent_case(db_sessions)
    async with Store(db_sessions) as store:
        other = await store.messages.enqueue_alert(chat_id=ON_CALL, text="notice", now=NOW,
                                                   about_patient_id=patient_id)
    outbox = Outbox(db_engine, ladder=LADDER)
    assert await outbox.mark_unreachable(patient_id=None, chat_id=ON_CALL, now=NOW,
                                         reason="blocked") == 1
    async with Store(db_sessions) as store:
        notice = await store.messages.get(other)
        timers = dict(await store.escalations.timers(case_id))
    assert notice is not None and notice.status == "cancelled"
    assert [status for status in timers.values() if status == "cancelled"] == []


async def _seed_at_0008(url: str) -> None:
    """At 0008: an open red flag with its re-alert waiting and its patient message, and an
    acknowledged one whose timer was already cancelled."""
    engine = create_engine(url)
    try:
        await migrate_async(engine, "0008")
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO patients (id, language, timezone, status, created_at)"
                " VALUES (1, 'en', 'UTC', 'active', :at)"), {"at": NOW})
            for case_id, status in ((1, "open"), (2, "acknowledged")):
                await conn.execute(text(
                    "INSERT INTO escalations (id, patient_id, kind, status, created_at)"
                    " VALUES (:id, 1, 'red_flag', :status, :at)"),
                    {"id": case_id, "status": status, "at": NOW})
            for case_id, patient_id, status in ((1, None, "pending"), (1, 1, "pending"),
                                                (2, None, "cancelled")):
                await conn.execute(text(
                    "INSERT INTO scheduled_messages (patient_id, case_id, chat_id, step_id,"
                    " occurrence, kind, text, due_at, moved_by_quiet_hours,"
                    " respects_quiet_hours, status, available_at, attempts, created_at)"
                    " VALUES (:patient, :case, 5, 'case', 0, 'alert', 't', :at, false,"
                    " false, :status, :at, 0, :at)"),
                    {"patient": patient_id, "case": case_id, "status": status, "at": NOW})
    finally:
        await engine.dispose()


def _ladder_round_trip(url: str) -> None:
    asyncio.run(_seed_at_0008(url))
    migrate(url)
    cases = "SELECT id, ladder_run FROM escalations ORDER BY id"
    steps = "SELECT case_id, patient_id, step_id, occurrence FROM scheduled_messages ORDER BY id"
    assert asyncio.run(_read(url, cases)) == [(1, 1), (2, 0)]
    assert asyncio.run(_read(url, steps)) == [
        (1, None, "ladder:1", 1), (1, 1, "case", 0), (2, None, "case", 0)]
    asyncio.run(_downgrade(url, "0008"))
    assert [step for _c, _p, step, _o in asyncio.run(_read(url, steps))] == ["case"] * 3


def test_0009_keeps_an_open_red_flag_escalating_on_sqlite(tmp_path: Path) -> None:
    """0009: an open red flag's waiting re-alert becomes its ladder's first round (so the
    repeats follow it); its patient message and other cases' timers stay; downgrade undoes
    it."""
    _ladder_round_trip(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
def test_0009_keeps_an_open_red_flag_escalating_on_postgres() -> None:
    """The same round trip on a fresh PostgreSQL database."""
    with scratch_database() as url:
        _ladder_round_trip(url)
