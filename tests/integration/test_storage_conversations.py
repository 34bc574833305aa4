"""The storage suite, run on SQLite and PostgreSQL: check-ins, escalations, queued alerts,
audit events and inbound updates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.repositories import Store
from tests.integration.test_storage import NOW, Sessions, enrolled
from tests.integration.test_storage_messages import Planned


async def test_checkin_answer_recorded_once(db_sessions: Sessions) -> None:
    """The first answer to a check-in is stored; a second tap returns None and changes nothing."""
    patient, enrollment = await enrolled(db_sessions, chat_id=42)
    async with Store(db_sessions) as store:
        await store.messages.insert_plan(
            enrollment_id=enrollment.id,
            patient_id=patient.id,
            chat_id=42,
            planned=[Planned(step_id="checkin", kind="checkin", due_at=NOW)],
            now=NOW,
        )
        (message,) = await store.messages.list_for_enrollment(enrollment.id)
    answer = dict(
        message_id=message.id,
        patient_id=patient.id,
        enrollment_id=enrollment.id,
        step_id="checkin",
        escalated=False,
    )
    async with Store(db_sessions) as store:
        first = await store.checkins.record(**answer, option_id="fine", now=NOW)  # type: ignore[arg-type]
        assert first is not None and first.option_id == "fine"
    async with Store(db_sessions) as store:
        again = await store.checkins.record(**answer, option_id="worried", now=NOW)  # type: ignore[arg-type]
        assert again is None
        stored = await store.checkins.list_for_patient(patient.id)
        assert [a.option_id for a in stored] == ["fine"]
        assert (await store.checkins.for_message(message.id)) == first


async def test_escalation_open_alert_close(db_sessions: Sessions) -> None:
    """An escalation is found by its staff-chat message, listed while open, and closed once."""
    patient, enrollment = await enrolled(db_sessions, chat_id=42)
    async with Store(db_sessions) as store:
        opened = await store.escalations.open(
            patient_id=patient.id,
            enrollment_id=enrollment.id,
            kind="red_flag",
            rule_id="infection",
            patient_text="it has pus",
            now=NOW,
        )
        with pytest.raises(ValueError):
            await store.escalations.open(
                patient_id=None, enrollment_id=None, kind="x", rule_id=None,
                patient_text=None, now=NOW,
            )
    async with Store(db_sessions) as store:
        await store.escalations.set_alert_message(opened.id, chat_id=-100, message_id=9)
        found = await store.escalations.by_alert_message(-100, 9)
        assert found is not None and found.id == opened.id and found.status == "open"
        assert await store.escalations.by_alert_message(-100, 10) is None
        assert [e.id for e in await store.escalations.list_open()] == [opened.id]
        assert await store.escalations.close(opened.id, NOW)
        assert not await store.escalations.close(opened.id, NOW)
        assert await store.escalations.list_open() == ()
        closed = await store.escalations.get(opened.id)
        assert closed is not None and closed.closed_at == NOW


async def test_staff_stats_aggregates(db_sessions: Sessions) -> None:
    """Patients by status, open escalations and recent failures are counted for /stats."""
    patient, enrollment = await enrolled(db_sessions, chat_id=43)
    await enrolled(db_sessions, label="Other")
    async with Store(db_sessions) as store:
        await store.escalations.open(
            patient_id=patient.id, enrollment_id=enrollment.id, kind="handoff",
            rule_id=None, patient_text="a question", now=NOW,
        )
        counts = await store.patients.count_by_status()
        assert counts["invited"] == 2 and counts["active"] == 0 and sum(counts.values()) == 2
        assert await store.escalations.count_open() == 1
        assert await store.messages.failed_since(NOW - timedelta(hours=24)) == 0


async def test_enqueued_alert_is_a_pending_outbox_row_that_ignores_quiet_hours(
    db_sessions: Sessions,
) -> None:
    """An alert that could not be posted waits in the outbox, due now, with no patient."""
    async with Store(db_sessions) as store:
        first = await store.messages.enqueue_alert(chat_id=-100500, text="alert 1", now=NOW)
        second = await store.messages.enqueue_alert(chat_id=-100500, text="alert 2", now=NOW)
        assert first != second
        row = await store.messages.get(first)
    assert row is not None
    assert (row.status, row.kind, row.chat_id, row.due_at) == ("pending", "alert", -100500, NOW)
    assert row.patient_id is None and row.enrollment_id is None
    assert row.respects_quiet_hours is False


async def test_audit_record_and_list(db_sessions: Sessions) -> None:
    """Audit events are stored and listed newest first, filtered by actor, action and time."""
    async with Store(db_sessions) as store:
        await store.audit.record(actor_id=1, action="enroll", outcome="ok", target="patient:1",
                                 now=NOW)
        await store.audit.record(actor_id=2, action="staff_add", outcome="refused",
                                 detail="not admin", now=NOW + timedelta(minutes=1))
        with pytest.raises(ValueError):
            await store.audit.record(actor_id=2, action="x", outcome="maybe", now=NOW)
    async with Store(db_sessions) as store:
        events = await store.audit.list()
        assert [e.action for e in events] == ["staff_add", "enroll"]
        assert [e.outcome for e in await store.audit.list(actor_id=1)] == ["ok"]
        assert len(await store.audit.list(action="staff_add")) == 1
        assert len(await store.audit.list(since=NOW + timedelta(seconds=30))) == 1


async def test_inbound_updates_saved_once_processed_once(db_sessions: Sessions) -> None:
    """A re-delivered update is not stored twice; processed ones leave the replay list."""
    async with Store(db_sessions) as store:
        assert await store.inbound.save_if_new(11, {"update_id": 11, "message": {}}, NOW)
        assert not await store.inbound.save_if_new(11, {"update_id": 11}, NOW)
        assert await store.inbound.save_if_new(10, {"update_id": 10}, NOW)
    async with Store(db_sessions) as store:
        assert [u.update_id for u in await store.inbound.unprocessed()] == [10, 11]
        assert (await store.inbound.unprocessed())[1].payload == {"update_id": 11, "message": {}}
        assert await store.inbound.mark_processed(10, NOW)
        assert not await store.inbound.mark_processed(10, NOW)
        assert [u.update_id for u in await store.inbound.unprocessed()] == [11]
        assert await store.inbound.prune_processed(NOW + timedelta(seconds=1)) == 1
        assert await store.inbound.prune_processed(NOW + timedelta(seconds=1)) == 0
