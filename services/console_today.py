"""The console's Today page: who needs a person now, what failed, what goes out soon, and who
joined, declined or stopped since the clinic's midnight. One read, one transaction."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from core.local_time import resolve_local
from core.records import AuditRecord, EscalationRecord, MessageRecord, PatientRecord
from core.statuses import AuditOutcome, EscalationKind
from services.context import AppContext
from storage import console_queries as q
from storage.patient_data import patient_target, target_patient_id
from storage.repositories import Store

DUE_WINDOW = timedelta(hours=1)
CASES_SHOWN = 100  # the oldest open cases; the count says how many there are in all
FAILED_WINDOW = timedelta(hours=24)
# Most urgent first: a red flag, then a worrying check-in, a failed delivery, a question.
URGENCY = {
    EscalationKind.RED_FLAG: 0, EscalationKind.CHECKIN: 1, EscalationKind.DELIVERY: 2,
    EscalationKind.HANDOFF: 3,
}
EVENT_ACTIONS = {
    "invite.accept": "joined", "invite.decline": "declined", "patient.stop": "stopped",
    "patient.blocked": "blocked the bot",
}


@dataclass(frozen=True, kw_only=True)
class Case:
    escalation: EscalationRecord
    patient: PatientRecord | None
    age: timedelta


@dataclass(frozen=True, kw_only=True)
class Event:
    """Someone joined, declined, stopped or blocked the bot today."""

    what: str
    at: datetime
    patient_id: int | None
    enrollment_id: int | None


@dataclass(frozen=True, kw_only=True)
class Today:
    now: datetime
    day_start: datetime
    cases: tuple[Case, ...]
    open_total: int
    failed: q.Listing[MessageRecord]
    due_soon: q.Listing[MessageRecord]
    events: tuple[Event, ...]
    patients: dict[int, PatientRecord]


def clinic_midnight(ctx: AppContext, now: datetime) -> datetime:
    """The start of the clinic's current day (local midnight, as an instant)."""
    local_day = now.astimezone(ctx.zone).date()
    return resolve_local(datetime.combine(local_day, time(0, 0)), ctx.zone)


def _event(record: AuditRecord) -> Event:
    patient_id = target_patient_id(record.target)
    enrollment_id = None
    if record.target and record.target.startswith("enrollment:"):
        tail = record.target.removeprefix("enrollment:")
        enrollment_id = int(tail) if tail.isdigit() else None
    return Event(what=EVENT_ACTIONS[record.action], at=record.at, patient_id=patient_id,
                 enrollment_id=enrollment_id)


async def today(ctx: AppContext) -> Today:
    """Everything the Today page shows, read in one transaction."""
    now = ctx.clock.now()
    day_start = clinic_midnight(ctx, now)
    async with Store(ctx.sessions) as store:
        session = store.session
        escalations = await q.open_escalations(session, limit=CASES_SHOWN)
        open_total = await store.escalations.count_open()
        failed = await q.failed_since(session, now - FAILED_WINDOW)
        due = await q.due_before(session, now + DUE_WINDOW)
        audit = await q.audit_since(session, day_start, EVENT_ACTIONS)
        events = []
        for event in map(_event, audit):
            if event.patient_id is None and event.enrollment_id is not None:
                enrollment = await store.enrollments.get(event.enrollment_id)
                if enrollment is not None:
                    event = replace(event, patient_id=enrollment.patient_id)
            events.append(event)
        wanted = {e.patient_id for e in escalations if e.patient_id is not None}
        wanted |= {m.patient_id or m.about_patient_id or 0 for m in (*failed.rows, *due.rows)}
        wanted |= {e.patient_id for e in events if e.patient_id is not None}
        patients = await q.patients_by_id(session, wanted - {0})
    cases = sorted(
        (Case(escalation=e, patient=patients.get(e.patient_id or 0), age=now - e.created_at)
         for e in escalations),
        key=lambda c: (URGENCY.get(c.escalation.kind, 9), c.escalation.created_at),
    )
    return Today(now=now, day_start=day_start, cases=tuple(cases), open_total=open_total,
                 failed=failed,
                 due_soon=due, events=tuple(events), patients=patients)


async def resolve_case(ctx: AppContext, escalation_id: int, *, staff_id: int) -> bool:
    """Close an open case from the console (audited); False when unknown or already closed."""
    now = ctx.clock.now()
    async with Store(ctx.sessions) as store:
        escalation = await store.escalations.get(escalation_id)
        closed = escalation is not None and (
            await store.escalations.resolve(escalation_id, staff_id, now) is not None
        )
        target = (
            patient_target(escalation.patient_id)
            if escalation is not None and escalation.patient_id is not None
            else None
        )
        await store.audit.record(
            actor_id=staff_id, action="case.resolve",
            outcome=AuditOutcome.OK if closed else AuditOutcome.INVALID, target=target,
            detail=f"escalation:{escalation_id} console", now=now,
        )
    return closed
