"""The storage suite, run on SQLite and PostgreSQL: people, invites, answers, alerts, audit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.records import ClaimStatus, EnrollmentRecord, PatientRecord
from storage.repositories import ChatInUseError, Store
from tests.integration.test_storage_messages import Planned

NOW = datetime(2026, 3, 28, 10, 0, tzinfo=UTC)
CODE = "a" * 64

Sessions = async_sessionmaker[AsyncSession]


async def enrolled(
    sessions: Sessions, *, label: str = "Asha K.", chat_id: int | None = None
) -> tuple[PatientRecord, EnrollmentRecord]:
    async with Store(sessions) as store:
        patient = await store.patients.create(
            label=label, language="en", timezone="Asia/Kolkata", created_by=7, now=NOW
        )
        enrollment = await store.enrollments.create(
            patient_id=patient.id,
            protocol_id="micro-mesotherapy-face",
            session_start=NOW,
            created_by=7,
            now=NOW,
        )
        if chat_id is not None:
            patient = await store.patients.set_chat(patient.id, chat_id, NOW)
    return patient, enrollment


# --- staff -------------------------------------------------------------------------------

async def test_staff_add_remove_list(db_sessions: Sessions) -> None:
    """Admins from settings are staff; added staff are until softly removed, and can return."""
    async with Store(db_sessions) as store:
        assert await store.staff.is_staff(1, admin_ids={1})
        assert not await store.staff.is_staff(2, admin_ids={1})
        added = await store.staff.add(2, added_by=1, now=NOW)
        assert added.removed_at is None and not added.is_admin
        assert await store.staff.is_staff(2, admin_ids={1})
        assert [s.user_id for s in await store.staff.list()] == [2]
    async with Store(db_sessions) as store:
        assert await store.staff.remove(2, NOW + timedelta(hours=1))
        assert not await store.staff.remove(2, NOW + timedelta(hours=1))
        assert not await store.staff.is_staff(2, admin_ids={1})
        assert await store.staff.list() == ()
        removed = await store.staff.list(include_removed=True)
        assert removed[0].removed_at == NOW + timedelta(hours=1)
        back = await store.staff.add(2, added_by=1, now=NOW + timedelta(days=1))
        assert back.removed_at is None and back.added_at == NOW + timedelta(days=1)
        assert await store.staff.is_admin(1, admin_ids={1})
        assert not await store.staff.is_admin(2, admin_ids={1})


# --- patients and enrollments --------------------------------------------------------------

async def test_patient_lifecycle(db_sessions: Sessions) -> None:
    """A patient is created invited, bound to a chat at consent, and its settings change."""
    patient, _ = await enrolled(db_sessions)
    assert patient.status == "invited" and patient.chat_id is None
    async with Store(db_sessions) as store:
        bound = await store.patients.set_chat(patient.id, 5550001, NOW)
        assert bound.chat_id == 5550001 and bound.consented_at == NOW
        await store.patients.set_status(patient.id, "active")
        await store.patients.set_language(patient.id, "hi")
        await store.patients.set_timezone(patient.id, "Europe/Berlin")
        await store.patients.touch_activity(patient.id, NOW + timedelta(minutes=5))
    async with Store(db_sessions) as store:
        found = await store.patients.by_chat_id(5550001)
        assert found is not None and found.id == patient.id
        assert (found.status, found.language, found.timezone) == ("active", "hi", "Europe/Berlin")
        assert found.last_activity_at == NOW + timedelta(minutes=5)
        assert await store.patients.get(patient.id + 999) is None
        assert await store.patients.by_chat_id(1) is None
        with pytest.raises(ValueError, match="status"):
            await store.patients.set_status(patient.id, "sleeping")


async def test_chat_cannot_be_bound_to_two_patients(db_sessions: Sessions) -> None:
    """Binding a chat that another patient already has raises ChatInUseError."""
    first, _ = await enrolled(db_sessions, chat_id=777)
    second, _ = await enrolled(db_sessions, label="B")
    async with Store(db_sessions) as store:
        with pytest.raises(ChatInUseError) as caught:
            await store.patients.set_chat(second.id, 777, NOW)
        assert caught.value.other_patient_id == first.id


async def test_patient_list_with_enrollments(db_sessions: Sessions) -> None:
    """The list shows patients newest first, each with their enrollments, filterable by status."""
    first, first_enrollment = await enrolled(db_sessions, label="A")
    second, _ = await enrolled(db_sessions, label="B")
    async with Store(db_sessions) as store:
        more = await store.enrollments.create(
            patient_id=first.id,
            protocol_id="micro-mesotherapy-hair",
            session_start=NOW + timedelta(days=7),
            created_by=None,
            now=NOW,
        )
        await store.patients.set_status(second.id, "stopped")
    async with Store(db_sessions) as store:
        listing = await store.patients.list()
        assert [o.patient.id for o in listing] == [second.id, first.id]
        assert [e.id for e in listing[1].enrollments] == [more.id, first_enrollment.id]
        active = await store.patients.list(statuses=["invited"])
        assert [o.patient.id for o in active] == [first.id]
        assert await store.patients.list(statuses=["unreachable"]) == ()


async def test_enrollment_status_reschedule_and_cancel(db_sessions: Sessions) -> None:
    """Enrollments change status, move their session, and cancel (which kills their invite)."""
    patient, enrollment = await enrolled(db_sessions)
    later = NOW + timedelta(days=2)
    async with Store(db_sessions) as store:
        await store.invites.create(
            enrollment_id=enrollment.id, code_hash=CODE, expires_at=later, now=NOW
        )
        assert (await store.enrollments.set_status(enrollment.id, "active")).status == "active"
        moved = await store.enrollments.set_session_start(enrollment.id, later)
        assert moved.session_start == later
        with pytest.raises(ValueError):
            await store.enrollments.set_status(enrollment.id, "cancelled")
    async with Store(db_sessions) as store:
        assert await store.enrollments.cancel(enrollment.id, NOW) == 0
    async with Store(db_sessions) as store:
        cancelled = await store.enrollments.get(enrollment.id)
        assert cancelled is not None
        assert (cancelled.status, cancelled.cancelled_at) == ("cancelled", NOW)
        assert (await store.enrollments.list_for_patient(patient.id))[0].id == enrollment.id
        assert (await store.invites.peek(CODE, NOW)).status is ClaimStatus.EXPIRED
        assert await store.enrollments.get(enrollment.id + 999) is None


# --- invites ---------------------------------------------------------------------------------

async def test_invite_peek_claim_used_expired_unknown(db_sessions: Sessions) -> None:
    """Peek leaves the code usable; claim uses it once; replay says used; late says expired."""
    _, enrollment = await enrolled(db_sessions)
    async with Store(db_sessions) as store:
        await store.invites.create(
            enrollment_id=enrollment.id, code_hash=CODE, expires_at=NOW + timedelta(days=7), now=NOW
        )
        await store.invites.create(
            enrollment_id=enrollment.id, code_hash="b" * 64, expires_at=NOW, now=NOW
        )
    async with Store(db_sessions) as store:
        assert (await store.invites.peek(CODE, NOW)).status is ClaimStatus.OK
        assert (await store.invites.peek(CODE, NOW)).status is ClaimStatus.OK
        claim = await store.invites.claim(CODE, 42, NOW)
        assert claim.status is ClaimStatus.OK and claim.invite is not None
        assert (claim.invite.used_at, claim.invite.used_by_chat) == (NOW, 42)
        assert claim.invite.enrollment_id == enrollment.id
    async with Store(db_sessions) as store:
        assert (await store.invites.claim(CODE, 42, NOW)).status is ClaimStatus.USED
        assert (await store.invites.peek(CODE, NOW)).status is ClaimStatus.USED
        assert (await store.invites.claim("b" * 64, 43, NOW)).status is ClaimStatus.EXPIRED
        unknown = await store.invites.claim("c" * 64, 43, NOW)
        assert (unknown.status, unknown.invite) == (ClaimStatus.UNKNOWN, None)
        assert (await store.invites.peek("c" * 64, NOW)).status is ClaimStatus.UNKNOWN
        assert len(await store.invites.for_enrollment(enrollment.id)) == 2


async def test_invite_claim_race_has_one_winner(db_sessions: Sessions) -> None:
    """Two concurrent claims of one code, both after a successful peek: exactly one wins."""
    _, enrollment = await enrolled(db_sessions)
    async with Store(db_sessions) as store:
        await store.invites.create(
            enrollment_id=enrollment.id, code_hash=CODE, expires_at=NOW + timedelta(days=1), now=NOW
        )
    both_peeked = asyncio.Barrier(2)

    async def claim(chat_id: int) -> ClaimStatus:
        async with Store(db_sessions) as store:
            assert (await store.invites.peek(CODE, NOW)).status is ClaimStatus.OK
            await both_peeked.wait()
            return (await store.invites.claim(CODE, chat_id, NOW)).status

    results = await asyncio.wait_for(asyncio.gather(claim(1), claim(2)), timeout=20)
    assert sorted(results) == sorted([ClaimStatus.OK, ClaimStatus.USED])
    async with Store(db_sessions) as store:
        invite = (await store.invites.peek(CODE, NOW)).invite
        assert invite is not None
        assert invite.used_by_chat == (1 if results[0] is ClaimStatus.OK else 2)


# --- check-ins, escalations, audit, inbound updates ------------------------------------------

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


# --- time, erasure and transactions ------------------------------------------------------------

async def test_naive_datetimes_are_rejected(db_sessions: Sessions) -> None:
    """Every repository refuses naive datetimes before touching the database."""
    naive = datetime(2026, 3, 28, 10, 0)
    async with Store(db_sessions) as store:
        with pytest.raises(ValueError, match="naive"):
            await store.patients.create(
                label=None, language="en", timezone="UTC", created_by=None, now=naive
            )
        with pytest.raises(ValueError, match="naive"):
            await store.staff.add(3, added_by=None, now=naive)
        with pytest.raises(ValueError, match="naive"):
            await store.audit.record(actor_id=None, action="x", outcome="ok", now=naive)
        with pytest.raises(ValueError, match="naive"):
            await store.invites.claim(CODE, 1, naive)


async def test_aware_datetimes_round_trip_as_utc(db_sessions: Sessions) -> None:
    """An instant given in any zone comes back as the same instant, in UTC."""
    berlin = datetime(2026, 3, 29, 3, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # just after DST
    kolkata = datetime(2026, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    async with Store(db_sessions) as store:
        patient = await store.patients.create(
            label=None, language="en", timezone="Europe/Berlin", created_by=None, now=kolkata
        )
        enrollment = await store.enrollments.create(
            patient_id=patient.id, protocol_id="p", session_start=berlin, created_by=None,
            now=kolkata,
        )
    async with Store(db_sessions) as store:
        stored = await store.enrollments.get(enrollment.id)
        assert stored is not None
        assert stored.session_start == berlin and stored.session_start.tzinfo is UTC
        assert stored.session_start.hour == 1
        stored_patient = await store.patients.get(patient.id)
        assert stored_patient is not None
        assert stored_patient.created_at == datetime(2025, 12, 31, 18, 30, tzinfo=UTC)


async def test_store_rolls_back_on_error(db_sessions: Sessions) -> None:
    """An exception inside `async with Store` leaves nothing behind."""
    with pytest.raises(RuntimeError):
        async with Store(db_sessions) as store:
            await store.staff.add(5, added_by=None, now=NOW)
            raise RuntimeError("boom")
    async with Store(db_sessions) as store:
        assert await store.staff.get(5) is None


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
