"""Cases in storage and delivery, on SQLite and PostgreSQL: transitions, joined messages,
erasure, migration 0006 (closed -> resolved and back), and escalation timers that delivery
drops once the case is acknowledged."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.statuses import EscalationStatus
from core.texts.alerts import compose_digest
from jobs.send_checks import SendChecks
from storage.database import create_engine, migrate_async
from storage.models import Escalation, Patient
from storage.outbox import Outbox
from storage.reports import case_figures, digest, percentile
from storage.repositories import Store
from testkit.postgres import scratch_database
from tests.integration.test_storage import NOW, Sessions, enrolled
from tests.integration.test_storage_migrations import _downgrade, _read

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def test_case_transitions(db_sessions: Sessions) -> None:
    """open -> acknowledged (who, when) -> resolved (who, when); each step only once;
    assign; resolving an open case records the resolver as acknowledging it too."""
    patient, enrollment = await enrolled(db_sessions, chat_id=42)
    async with Store(db_sessions) as store:
        case = await store.escalations.open(patient_id=patient.id, enrollment_id=enrollment.id,
                                            kind="handoff", rule_id=None, patient_text="q",
                                            now=NOW)
        other = await store.escalations.open(patient_id=patient.id, enrollment_id=None,
                                             kind="checkin", rule_id=None, patient_text="a",
                                             now=NOW)
    later = NOW + timedelta(minutes=3)
    async with Store(db_sessions) as store:
        acked = await store.escalations.acknowledge(case.id, 11, later)
        assert acked is not None and acked.status == EscalationStatus.ACKNOWLEDGED
        assert (acked.acknowledged_by, acked.acknowledged_at) == (11, later)
        assert await store.escalations.acknowledge(case.id, 12, later) is None
        assigned = await store.escalations.assign(case.id, 12)
        assert assigned is not None and assigned.assigned_to == 12
        assert await store.escalations.assign(case.id, 12) is None
        assert [c.id for c in await store.escalations.list_open()] == [case.id, other.id]
        resolved = await store.escalations.resolve(case.id, 12, later)
        assert resolved is not None and resolved.status == EscalationStatus.RESOLVED
        assert (resolved.resolved_by, resolved.closed_at, resolved.acknowledged_by) == (
            12, later, 11)
        assert await store.escalations.resolve(case.id, 12, later) is None
        direct = await store.escalations.resolve(other.id, 13, later)
        assert direct is not None and direct.acknowledged_by == 13
        assert await store.escalations.count_open() == 0


async def test_joined_messages_relay_and_erasure(db_sessions: Sessions) -> None:
    """A message joins the unresolved case in order; a reply to its staff post finds the
    case; /forget erases the joined words too."""
    patient, _enrollment = await enrolled(db_sessions, chat_id=42)
    async with Store(db_sessions) as store:
        case = await store.escalations.open(patient_id=patient.id, enrollment_id=None,
                                            kind="handoff", rule_id=None, patient_text="q",
                                            now=NOW)
        found = await store.escalations.unresolved_for(patient.id)
        assert found is not None and found.id == case.id
        first = await store.escalations.add_message(case.id, kind="handoff",
                                                    patient_text="more", now=NOW)
        await store.escalations.add_message(case.id, kind="red_flag", patient_text="pus",
                                            now=NOW + timedelta(seconds=1))
        await store.escalations.set_message_post(first.id, -100, 77)
        raised = await store.escalations.raise_urgent(case.id, kind="red_flag",
                                                      rule_id="infection", words="pus", now=NOW)
        assert raised.kind == "red_flag" and raised.rule_id == "infection"
    async with Store(db_sessions) as store:
        via_post = await store.escalations.by_alert_message(-100, 77)
        assert via_post is not None and via_post.id == case.id
        assert [m.patient_text for m in await store.escalations.messages(case.id)] == [
            "more", "pus"]
        await store.patients.forget(patient.id, NOW)
    async with Store(db_sessions) as store:
        assert [m.patient_text for m in await store.escalations.messages(case.id)] == [
            None, None]


async def test_timer_is_dropped_once_the_case_is_acknowledged(
    db_sessions: Sessions, db_engine: AsyncEngine
) -> None:
    """Delivery claims an escalation timer with its case's status: sendable while open,
    Gone("case acknowledged") after (for one already in flight); the timers still waiting
    are cancelled at the acknowledgement itself, so nothing lists them as due."""
    patient, _enrollment = await enrolled(db_sessions, chat_id=42)
    async with Store(db_sessions) as store:
        case = await store.escalations.open(patient_id=patient.id, enrollment_id=None,
                                            kind="red_flag", rule_id="r", patient_text="q",
                                            now=NOW)
        for due in (NOW, NOW + timedelta(minutes=1)):
            await store.escalations.enqueue_timer(case.id, chat_id=-100, text="re-alert",
                                                  due_at=due, now=NOW,
                                                  about_patient_id=patient.id)
    outbox, checks = Outbox(db_engine), SendChecks(quiet_hours=None, clinic_timezone="UTC")
    [first] = await outbox.claim(owner="w", now=NOW, lease_until=NOW + timedelta(minutes=5),
                                 limit=10)
    assert first.case_id == case.id and first.case_status == "open"
    assert checks.check(first, NOW) is None
    async with Store(db_sessions) as store:
        await store.escalations.acknowledge(case.id, 5, NOW)
    [again] = await outbox.refresh([first])
    gone = checks.check(again, NOW)
    assert gone is not None and getattr(gone, "reason", None) == "case acknowledged"
    later = NOW + timedelta(minutes=2)
    assert await outbox.claim(owner="w", now=later, lease_until=later + timedelta(minutes=5),
                              limit=10) == []
    async with Store(db_sessions) as store:
        timers = dict(await store.escalations.timers(case.id))
    assert timers == {first.id: "sending", first.id + 1: "cancelled"}


async def _seed_closed_at_0005(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate_async(engine, "0005")
        async with engine.begin() as conn:
            patient = (await conn.execute(insert(Patient.__table__).values(
                label="L", language="en", timezone="UTC", status="active", created_at=T0,
            ).returning(Patient.__table__.c.id))).scalar_one()
            for status in ("open", "closed"):
                await conn.execute(insert(Escalation.__table__).values(
                    patient_id=patient, kind="handoff", status=status, created_at=T0,
                    closed_at=T0 if status == "closed" else None,
                ))
    finally:
        await engine.dispose()


async def _write(url: str, statement: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


def _cases_round_trip(url: str) -> None:
    asyncio.run(_seed_closed_at_0005(url))
    engine = create_engine(url)
    asyncio.run(migrate_async(engine))
    asyncio.run(engine.dispose())
    query = "SELECT status FROM escalations ORDER BY id"
    assert asyncio.run(_read(url, query)) == [("open",), ("resolved",)]
    asyncio.run(_write(url, "UPDATE escalations SET status = 'acknowledged' WHERE id = 1"))
    asyncio.run(_downgrade(url, "0005"))
    assert asyncio.run(_read(url, query)) == [("open",), ("closed",)]


def test_0006_migrates_closed_to_resolved_on_sqlite(tmp_path: Path) -> None:
    """0006: closed rows become resolved; downgrade: acknowledged -> open, resolved -> closed."""
    _cases_round_trip(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
def test_0006_migrates_closed_to_resolved_on_postgres() -> None:
    """The same round trip on a fresh PostgreSQL database."""
    with scratch_database() as url:
        _cases_round_trip(url)


async def test_case_figures_and_stale_cases_in_the_digest(db_sessions: Sessions) -> None:
    """Figures count cases by kind (opened / acknowledged / resolved), open now, and time to
    acknowledge (median, p90); the digest lists unresolved cases older than a day."""
    patient, _enrollment = await enrolled(db_sessions, chat_id=42)
    old = NOW - timedelta(days=2)
    async with Store(db_sessions) as store:
        made = [
            await store.escalations.open(patient_id=patient.id, enrollment_id=None, kind=kind,
                                         rule_id=None, patient_text="x", now=when)
            for kind, when in (("red_flag", old), ("red_flag", NOW), ("handoff", NOW),
                               ("handoff", NOW))
        ]
        await store.escalations.acknowledge(made[1].id, 5, NOW + timedelta(minutes=2))
        await store.escalations.resolve(made[2].id, 5, NOW + timedelta(minutes=10))
    async with db_sessions() as session:
        figures = await case_figures(session)
        report = await digest(session, NOW - timedelta(days=1))
    assert dict(figures.opened) == {"red_flag": 2, "handoff": 2}
    assert dict(figures.acknowledged) == {"red_flag": 1, "handoff": 1}
    assert dict(figures.resolved) == {"handoff": 1} and figures.open_now == 3
    assert (figures.ack_median_seconds, figures.ack_p90_seconds) == (120.0, 600.0)
    assert report.stale_cases == ((made[0].id, patient.id, "red_flag"),)
    text = compose_digest(report)
    assert f"Open cases older than a day: 1\n  case #{made[0].id} (red_flag)" in text
    assert percentile([], 0.5) is None and percentile([3.0, 1.0, 2.0], 0.5) == 2.0
