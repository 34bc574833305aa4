"""The storage suite, run on SQLite and PostgreSQL: staff, patients, enrollments, invites,
time and transactions (conversations and erasure have their own files)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.records import ClaimStatus, EnrollmentRecord, PatientRecord
from storage.repositories import ChatInUseError, Store

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


# --- time and transactions -----------------------------------------------------------------

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
