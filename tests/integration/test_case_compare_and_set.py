"""Case transitions are compare-and-set, on SQLite and PostgreSQL: a transition decided on
what one session read changes nothing once another has changed the case meanwhile (the
interleaving is forced, not hoped for)."""

from __future__ import annotations

from datetime import timedelta

from core.statuses import EscalationStatus
from storage.repositories import Store
from tests.integration.test_storage import NOW, Sessions, enrolled

LATER = NOW + timedelta(minutes=2)


async def _case(db_sessions: Sessions) -> int:
    patient, enrollment = await enrolled(db_sessions, chat_id=42)
    async with Store(db_sessions) as store:
        case = await store.escalations.open(patient_id=patient.id, enrollment_id=enrollment.id,
                                            kind="red_flag", rule_id="infection",
                                            patient_text="pus", now=NOW)
    return case.id


async def test_acknowledge_after_a_resolve_committed_meanwhile_changes_nothing(
    db_sessions: Sessions,
) -> None:
    """One session reads the case open; another resolves it and commits; the first's
    acknowledge then finds it resolved and changes nothing: never "acknowledged" with a
    closing time."""
    case_id = await _case(db_sessions)
    async with Store(db_sessions) as first:
        seen = await first.escalations.get(case_id)  # open, as the first actor saw it
        assert seen is not None and seen.status == EscalationStatus.OPEN
        async with Store(db_sessions) as second:
            assert await second.escalations.resolve(case_id, 2000, NOW) is not None
        assert await first.escalations.acknowledge(case_id, 1000, LATER) is None
    async with Store(db_sessions) as store:
        case = await store.escalations.get(case_id)
    assert case is not None and case.status == EscalationStatus.RESOLVED
    assert (case.resolved_by, case.acknowledged_by, case.closed_at) == (2000, 2000, NOW)


async def test_assign_after_a_colleague_took_the_case_changes_nothing(
    db_sessions: Sessions,
) -> None:
    """Both read the case unassigned; a colleague takes it first: the second "assign to me"
    changes nothing (it names the holder it read: none), and the colleague keeps it."""
    case_id = await _case(db_sessions)
    async with Store(db_sessions) as first:
        seen = await first.escalations.get(case_id)
        assert seen is not None and seen.assigned_to is None
        async with Store(db_sessions) as second:
            assert await second.escalations.assign(case_id, 2000, holder=None) is not None
        assert await first.escalations.assign(case_id, 1000, holder=seen.assigned_to) is None
    async with Store(db_sessions) as store:
        case = await store.escalations.get(case_id)
    assert case is not None and case.assigned_to == 2000


async def test_a_red_flag_joining_a_case_resolved_meanwhile_raises_nothing(
    db_sessions: Sessions,
) -> None:
    """Something urgent read the case unresolved, but staff resolved it before it was
    raised: the raise changes nothing (the caller opens a new case instead)."""
    case_id = await _case(db_sessions)
    async with Store(db_sessions) as first:
        assert await first.escalations.unresolved_for((await first.escalations.get(
            case_id)).patient_id or 0) is not None  # type: ignore[union-attr]
        async with Store(db_sessions) as second:
            assert await second.escalations.resolve(case_id, 2000, NOW) is not None
        assert await first.escalations.raise_urgent(
            case_id, kind="red_flag", rule_id="infection", words="worse", now=LATER) is None
    async with Store(db_sessions) as store:
        case = await store.escalations.get(case_id)
    assert case is not None and case.status == EscalationStatus.RESOLVED
    assert case.raised_at is None
