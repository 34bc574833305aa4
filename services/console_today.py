"""The console's Today page: who needs a person now, what failed, what goes out soon, who
joined, declined or stopped since the clinic's midnight; the sessions booked today and
tomorrow with their confirmation, those past their time by a day that nobody recorded
(done? no-show?), and who has not joined yet (invites.nudge_hours). One read, one
transaction."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from core.case_kinds import case_kind
from core.local_time import resolve_local
from core.records import AuditRecord, EscalationRecord, MessageRecord
from core.statuses import BookingStatus
from services.context import AppContext
from services.staff_directory import display_names
from storage import console_course as course_queries
from storage import console_queries as q
from storage.patient_data import target_patient_id
from storage.repositories import Store

DUE_WINDOW = timedelta(hours=1)
CASES_SHOWN = 100  # the oldest open cases; the count says how many there are in all
FAILED_WINDOW = timedelta(hours=24)
# A booked session this long past its time without being recorded is asked about.
UNRECORDED_AFTER = timedelta(days=1)
EVENT_ACTIONS = {
    "invite.accept": "joined", "invite.decline": "declined", "patient.stop": "stopped",
    "patient.blocked": "blocked the bot",
}


@dataclass(frozen=True, kw_only=True)
class Case:
    escalation: EscalationRecord
    label: str | None  # the patient's label, if any
    age: timedelta


@dataclass(frozen=True, kw_only=True)
class Event:
    """Someone joined, declined, stopped or blocked the bot today."""

    what: str
    at: datetime
    patient_id: int | None
    enrollment_id: int | None


@dataclass(frozen=True, kw_only=True)
class SessionDay:
    """The sessions booked on one clinic day: "tomorrow: 6 sessions, 4 confirmed"."""

    day: date
    sessions: tuple[course_queries.BookedSession, ...]

    @property
    def confirmed(self) -> int:
        return sum(1 for s in self.sessions
                   if s.booking.status in (BookingStatus.CONFIRMED, BookingStatus.DONE))

    @property
    def booked(self) -> int:
        """Sessions still on (done or coming; a no-show is not counted)."""
        return sum(1 for s in self.sessions if s.booking.status != BookingStatus.NO_SHOW)


@dataclass(frozen=True, kw_only=True)
class Today:
    now: datetime
    day_start: datetime
    cases: tuple[Case, ...]
    open_total: int
    failed: q.Listing[MessageRecord]
    due_soon: q.Listing[MessageRecord]
    events: tuple[Event, ...]
    labels: dict[int, str | None]  # of the patients named in cases and events
    staff: dict[int, str] = field(default_factory=dict)  # who holds the cases, by name
    today: SessionDay | None = None
    tomorrow: SessionDay | None = None
    unrecorded: tuple[course_queries.BookedSession, ...] = ()
    not_joined: tuple[course_queries.WaitingInvite, ...] = ()


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


async def today(ctx: AppContext, *, now: datetime) -> Today:
    """Everything the Today page shows, read in one transaction."""
    day_start = clinic_midnight(ctx, now)
    async with Store(ctx.sessions) as store:
        session = store.session
        escalations = await q.open_escalations(session, limit=CASES_SHOWN)
        open_total = await store.escalations.count_open()
        failed = await q.failed_since(session, now - FAILED_WINDOW)
        due = await q.due_before(session, now + DUE_WINDOW)
        audit = await q.audit_since(session, day_start, EVENT_ACTIONS)
        events = [_event(record) for record in audit]
        # Events naming an enrollment (a declined invite): whose it is, in one query.
        owners = await q.enrollment_patients(session, {
            e.enrollment_id for e in events if e.patient_id is None and e.enrollment_id})
        events = [replace(e, patient_id=owners.get(e.enrollment_id or 0, e.patient_id))
                  if e.patient_id is None else e for e in events]
        # Failed and due messages show the patient's number only: no label to read.
        wanted = {e.patient_id for e in escalations if e.patient_id is not None}
        wanted |= {e.patient_id for e in events if e.patient_id is not None}
        labels = await q.labels_by_id(session, wanted)
        staff = await display_names(store, [who for e in escalations
                                            for who in (e.acknowledged_by, e.assigned_to)])
        midnight = day_start
        next_midnight = clinic_midnight(ctx, day_start + timedelta(hours=36))
        after = clinic_midnight(ctx, next_midnight + timedelta(hours=36))
        today_sessions = await course_queries.sessions_between(session, midnight, next_midnight)
        tomorrow_sessions = await course_queries.sessions_between(session, next_midnight, after)
        unrecorded = await course_queries.unrecorded_before(session, now - UNRECORDED_AFTER)
        waiting = await course_queries.not_joined(
            session, now - timedelta(hours=ctx.settings.invites.nudge_hours))
    cases = sorted(
        (Case(escalation=e, label=labels.get(e.patient_id or 0), age=now - e.created_at)
         for e in escalations),
        key=lambda c: (case_kind(c.escalation.kind).urgency, c.escalation.created_at),
    )
    return Today(now=now, day_start=day_start, cases=tuple(cases), open_total=open_total,
                 failed=failed,
                 due_soon=due, events=tuple(events), labels=labels, staff=staff,
                 today=SessionDay(day=midnight.astimezone(ctx.zone).date(),
                                  sessions=today_sessions),
                 tomorrow=SessionDay(day=next_midnight.astimezone(ctx.zone).date(),
                                     sessions=tomorrow_sessions),
                 unrecorded=unrecorded, not_joined=waiting)
