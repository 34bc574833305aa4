"""The console's Patients pages: search, one patient's timeline, and the actions on a patient
(cancel, reschedule, new session, export), each reusing the bot's own use cases."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.records import (
    AuditRecord,
    CancellationRecord,
    CheckinAnswerRecord,
    EnrollmentRecord,
    EscalationRecord,
    MessageRecord,
    PatientRecord,
    row_id,
)
from core.statuses import (
    SHOWN_STATUSES,
    AuditOutcome,
    MessageStatus,
    PatientStatus,
    shown_status,
)
from services.cancellations import CancelResult, UndoResult, cancel_care, undo_cancel
from services.context import AppContext
from services.enrollment import EnrollmentInputError, parse_session_time
from services.planning import patient_zone
from services.sessions import NewSession, RescheduleResult, new_session, reschedule_patient
from services.staff_directory import display_names
from storage import console_queries as q
from storage.patient_data import collect_patient_data, patient_target
from storage.repositories import Store

PAGE_SIZE = 30
SEARCH_LIMIT = 100  # characters of a search; longer is cut
STATUS_FILTERS = tuple(str(s) for s in SHOWN_STATUSES if s != PatientStatus.FORGOTTEN)


@dataclass(frozen=True, kw_only=True)
class Search:
    """A patient search: text, filters, and which page (keyset: older than `before` or newer
    than `after`, patient ids; neither: the newest)."""

    text: str = ""
    protocol_id: str = ""
    status: str = ""
    before: int | None = None
    after: int | None = None


@dataclass(frozen=True, kw_only=True)
class SearchResult:
    search: Search
    rows: tuple[q.PatientRow, ...]
    newer: bool  # there are newer matches (a "Newer" link)
    older: bool  # there are older matches (an "Older" link)


def _patient_id(text: str) -> int | None:
    return row_id(text) if text.isdigit() else None


def clean_search(text: str, protocol_id: str, status: str, before: str = "", after: str = "",
                 *, protocols: set[str]) -> Search:
    """A search as typed, made safe: unknown protocols, statuses and page marks are ignored."""
    older_than, newer_than = _patient_id(before), _patient_id(after)
    return Search(
        text=" ".join(text.split())[:SEARCH_LIMIT],
        protocol_id=protocol_id if protocol_id in protocols else "",
        status=status if status in STATUS_FILTERS else "",
        before=older_than,
        after=None if older_than is not None else newer_than,
    )


async def search(ctx: AppContext, wanted: Search) -> SearchResult:
    """Patients matching the search, newest first (erased patients never: their label is
    gone). Text matches an id ("#12": only the id) or any part of a label, in any case."""
    async with Store(ctx.sessions) as store:
        page = await q.search_patients(
            store.session, now=ctx.clock.now(), text=wanted.text or None,
            protocol_id=wanted.protocol_id or None, status=wanted.status or None,
            before=wanted.before, after=wanted.after, limit=PAGE_SIZE,
        )
    return SearchResult(search=wanted, rows=page.rows, newer=page.newer, older=page.older)


@dataclass(frozen=True, kw_only=True)
class PlanLine:
    """One planned message on a patient's timeline, with the answer if it was a check-in."""

    message: MessageRecord
    answer: CheckinAnswerRecord | None
    answer_text: str | None
    why: str | None  # why it is cancelled, expired or failed, in staff words


@dataclass(frozen=True, kw_only=True)
class PatientTimeline:
    patient: PatientRecord
    plans: tuple[tuple[EnrollmentRecord, tuple[PlanLine, ...]], ...]
    alerts: tuple[MessageRecord, ...]  # staff alerts about the patient that went via the outbox
    notices: tuple[MessageRecord, ...] = ()  # to the patient, outside any plan (a cancel notice)
    cases: tuple[EscalationRecord, ...]
    history: tuple[AuditRecord, ...]  # who did what to this patient, newest first
    staff: dict[int, str] = field(default_factory=dict)  # the history's staff, by name
    undoable: CancellationRecord | None = None  # a cancel that can still be undone

    @property
    def status(self) -> str:
        """As staff see it (plans newest first): "cancelled" after a staff cancel."""
        return shown_status(self.patient.status, self.plans[0][0].status if self.plans else None)


def why(message: MessageRecord) -> str | None:
    """Why a message did not (or will not) go out, from its status and stored reason."""
    reason = (message.last_error or "").removeprefix("cancelled: ")
    if message.status == MessageStatus.CANCELLED:
        return {
            "enrollment": "care cancelled by staff", "stop": "patient stopped messages",
            "forgotten": "patient's data erased", "blocked": "patient blocked the bot",
            "replaced": "dropped when the plan was re-made",
        }.get(reason, reason or "cancelled")
    if message.status == MessageStatus.EXPIRED:
        return "past its expiry before it could be sent"
    if message.status == MessageStatus.FAILED:
        return f"failed: {reason}" if reason else "failed"
    return None


async def timeline(ctx: AppContext, patient_id: int, *, now: datetime) -> PatientTimeline | None:
    """Everything about one patient for their page; None when there is no such patient."""
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
        if patient is None:
            return None
        enrollments = await store.enrollments.list_for_patient(patient_id)
        messages = await q.messages_for_patient(
            store.session, patient_id, [e.id for e in enrollments]
        )
        answers = {a.message_id: a for a in await store.checkins.list_for_patient(patient_id)}
        cases = await q.escalations_for_patient(store.session, patient_id)
        history = await q.audit_for_patient(
            store.session, patient_target(patient_id), patient.created_at
        )
        staff = await display_names(store, {a.actor_id for a in history})
        latest = await store.cancellations.latest(patient_id=patient_id)
    undo = latest if latest is not None and latest.undone_at is None and (
        now <= latest.undo_until) else None
    by_enrollment: dict[int, list[PlanLine]] = {e.id: [] for e in enrollments}
    alerts: list[MessageRecord] = []
    notices: list[MessageRecord] = []
    for message in messages:
        if message.enrollment_id not in by_enrollment:
            (notices if message.patient_id == patient_id else alerts).append(message)
            continue
        answer = answers.get(message.id)
        text = None
        if answer is not None:
            text = next((o.text for o in message.options if o.id == answer.option_id),
                        answer.option_id)
        by_enrollment[message.enrollment_id].append(
            PlanLine(message=message, answer=answer, answer_text=text, why=why(message))
        )
    return PatientTimeline(
        patient=patient,
        plans=tuple((e, tuple(by_enrollment[e.id])) for e in enrollments),
        alerts=tuple(alerts), notices=tuple(notices), cases=cases, history=history,
        staff=staff, undoable=undo,
    )


# --- actions -----------------------------------------------------------------------------

def session_time(ctx: AppContext, text: str, now: datetime) -> datetime:
    """A session time typed by staff, in the clinic zone; EnrollmentInputError if unreadable
    ("now" and an empty field mean now)."""
    return parse_session_time(text, ctx.zone, now,
                              date_order=ctx.settings.clinic.date_order)


async def cancel(ctx: AppContext, patient_id: int, *, staff_id: int, now: datetime
                 ) -> CancelResult | None:
    """Cancel the patient's care with the bot's own use case (services.cancellations: the
    patient is told when they had joined, and it can be undone for a day). None when
    there is no such patient."""
    return await cancel_care(ctx, patient_id, staff_id=staff_id, now=now)


async def undo(ctx: AppContext, patient_id: int, *, staff_id: int, now: datetime) -> UndoResult:
    """Undo the patient's latest cancel (within a day of it)."""
    return await undo_cancel(ctx, patient_id=patient_id, staff_id=staff_id, now=now)


async def reschedule(
    ctx: AppContext, patient_id: int, when: str, *, staff_id: int, now: datetime
) -> RescheduleResult | None:
    """Move the newest live session; raises EnrollmentInputError for an unreadable time."""
    return await reschedule_patient(ctx, patient_id, session_time(ctx, when, now),
                                    staff_id=staff_id, now=now)


async def record_session(
    ctx: AppContext, patient_id: int, when: str, *, staff_id: int, now: datetime
) -> NewSession:
    """A session of the patient's procedure (raises EnrollmentInputError as above): an
    empty field records it as done now (or at its booked time), a future time books it."""
    start = session_time(ctx, when, now) if when.strip() else None
    return await new_session(ctx, patient_id, start, staff_id=staff_id, now=now)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return str(value)


async def export(ctx: AppContext, patient_id: int, *, staff_id: int, now: datetime) -> str | None:
    """Everything stored about the patient as JSON (audited); None when there is none."""
    async with Store(ctx.sessions) as store:
        data = await collect_patient_data(store.session, patient_id)
        await store.audit.record(
            actor_id=staff_id, action="patient.export",
            outcome=AuditOutcome.OK if data is not None else AuditOutcome.INVALID,
            target=patient_target(patient_id), detail="console", now=now,
        )
    if data is None:
        return None
    return json.dumps({"exported_at": now, **data}, indent=2, ensure_ascii=False,
                      default=_plain)


__all__ = ["EnrollmentInputError"]


def patient_zone_of(ctx: AppContext, patient: PatientRecord) -> ZoneInfo:
    """The patient's own zone (the clinic's when theirs no longer resolves)."""
    return patient_zone(patient.timezone, ctx.settings)
