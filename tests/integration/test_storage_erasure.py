"""The storage suite, run on SQLite and PostgreSQL: erasure of a patient's personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.records import ClaimStatus
from storage.patient_data import ERASED_ALERT, collect_patient_data, forget_patient_data
from storage.repositories import Store
from tests.integration.test_storage import CODE, NOW, Sessions, enrolled
from tests.integration.test_storage_messages import Planned


async def test_forget_erases_personal_data(db_sessions: Sessions) -> None:
    """/forget erases label, chat binding, own words and answers; nothing more is sent."""
    patient, enrollment = await enrolled(db_sessions, label="Asha K.", chat_id=42)
    async with Store(db_sessions) as store:
        await store.invites.create(enrollment_id=enrollment.id, code_hash=CODE,
                                   expires_at=NOW + timedelta(days=1), now=NOW)
        await store.invites.claim(CODE, 42, NOW)
        await store.invites.create(enrollment_id=enrollment.id, code_hash="d" * 64,
                                   expires_at=NOW + timedelta(days=1), now=NOW)
        await store.messages.insert_plan(
            enrollment_id=enrollment.id, patient_id=patient.id, chat_id=42,
            planned=[Planned(step_id="a", due_at=NOW), Planned(step_id="b", due_at=NOW)], now=NOW,
        )
        first, _ = await store.messages.list_for_enrollment(enrollment.id)
        await store.checkins.record(message_id=first.id, patient_id=patient.id,
                                    enrollment_id=enrollment.id, step_id="a", option_id="fine",
                                    escalated=False, now=NOW)
        await store.escalations.open(patient_id=patient.id, enrollment_id=enrollment.id,
                                     kind="handoff", rule_id=None, patient_text="my words",
                                     now=NOW)
        await store.inbound.save_if_new(1, {"message": {"chat": {"id": 42}, "text": "hi"}}, NOW)
        await store.inbound.save_if_new(2, {"message": {"chat": {"id": 43}, "text": "x"}}, NOW)
    later = NOW + timedelta(hours=1)
    async with Store(db_sessions) as store:
        forgotten = await store.patients.forget(patient.id, later)
        assert await store.patients.forget(patient.id + 999, later) is None
    assert forgotten is not None
    assert (forgotten.label, forgotten.chat_id, forgotten.status) == (None, None, "forgotten")
    assert forgotten.forgotten_at == later
    async with Store(db_sessions) as store:
        assert await store.patients.by_chat_id(42) is None
        messages = await store.messages.list_for_enrollment(enrollment.id)
        assert {m.status for m in messages} == {"cancelled"}
        assert {m.chat_id for m in messages} == {0}
        assert await store.checkins.list_for_patient(patient.id) == ()
        (escalation,) = await store.escalations.list_open()
        assert escalation.patient_text is None
        assert [u.update_id for u in await store.inbound.unprocessed()] == [2]
        invites = await store.invites.for_enrollment(enrollment.id)
        assert all(invite.used_by_chat is None for invite in invites)
        assert (await store.invites.peek("d" * 64, later)).status is ClaimStatus.EXPIRED
        stopped = await store.enrollments.get(enrollment.id)
        assert stopped is not None and stopped.status == "stopped"
        with pytest.raises(ValueError):
            await store.patients.set_status(patient.id, "active")


async def test_erasure_finds_a_queued_alert_by_patient_id_not_by_its_text(
    db_sessions: Sessions,
) -> None:
    """A staff alert queued in the outbox is exported with the patient it is about and its
    text erased with them, whatever its wording ("Patient #" nowhere); another patient's
    alert is left alone."""
    patient, _ = await enrolled(db_sessions, label="Asha K.", chat_id=42)
    other, _ = await enrolled(db_sessions, label="Other", chat_id=43)
    async with Store(db_sessions) as store:
        mine = await store.messages.enqueue_alert(
            chat_id=-100500, text="Red flag from Asha K.: it has pus", now=NOW,
            about_patient_id=patient.id,
        )
        theirs = await store.messages.enqueue_alert(
            chat_id=-100500, text=f"Red flag from Other (#{patient.id}:)", now=NOW,
            about_patient_id=other.id,
        )
    async with db_sessions() as session, session.begin():
        exported = await collect_patient_data(session, patient.id)
        assert exported is not None
        assert mine in [m["id"] for m in exported["messages"]]
        assert theirs not in [m["id"] for m in exported["messages"]]
        assert await forget_patient_data(session, patient.id, NOW, staff_ids=[])
    async with Store(db_sessions) as store:
        erased = await store.messages.get(mine)
        kept = await store.messages.get(theirs)
    assert erased is not None and kept is not None
    assert erased.text == ERASED_ALERT.format(id=patient.id)
    assert (erased.status, erased.chat_id, erased.about_patient_id) == (
        "pending", -100500, patient.id,
    )
    assert kept.text == f"Red flag from Other (#{patient.id}:)"


async def test_stop_and_erasure_leave_queued_alerts_going_to_staff(db_sessions: Sessions) -> None:
    """Cancelling the patient's own messages (/stop, erasure) does not cancel a queued alert
    about them: it goes to the staff chat, not to the patient."""
    patient, _ = await enrolled(db_sessions, chat_id=42)
    async with Store(db_sessions) as store:
        alert = await store.messages.enqueue_alert(
            chat_id=-100500, text="alert", now=NOW, about_patient_id=patient.id
        )
        assert await store.messages.cancel_pending_for_patient(patient.id, NOW, "stop") == 0
        await store.patients.forget(patient.id, NOW)
        row = await store.messages.get(alert)
    assert row is not None and (row.status, row.chat_id) == ("pending", -100500)
