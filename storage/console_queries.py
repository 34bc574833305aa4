"""Read queries the staff console needs (Today, patient search, a patient's timeline), each
served by an index and bounded by a LIMIT, returning core.records values, never ORM rows."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.clock import require_aware
from core.records import (
    AuditRecord,
    EnrollmentRecord,
    EscalationRecord,
    MessageRecord,
    PatientRecord,
    row_id,
)
from core.statuses import (
    CARE_CANCELLED,
    AuditOutcome,
    EnrollmentStatus,
    EscalationStatus,
    MessageStatus,
    PatientStatus,
    shown_status,
)
from storage.models import (
    AuditEvent,
    Enrollment,
    Escalation,
    Patient,
    ScheduledMessage,
    message_status_is,
)
from storage.patient_search import TRIGRAM, label_contains, newest_matches, sample
from storage.repositories.audit import audit_record
from storage.repositories.enrollments import enrollment_record
from storage.repositories.escalations import escalation_record
from storage.repositories.messages import message_record
from storage.repositories.patients import patient_record

T = TypeVar("T")
# Today's lists count their rows only this far: past it the page says "1000+" rather than
# counting a backlog of a million rows on every load (Stats has the exact figures).
COUNT_CAP = 1000


@dataclass(frozen=True, kw_only=True)
class Listing(Generic[T]):
    """Some rows of a longer list and how many there are in all: `total` is exact unless
    `capped`, when there are more than COUNT_CAP (and `total` is COUNT_CAP)."""

    rows: tuple[T, ...]
    total: int
    capped: bool = False


async def _listing(
    session: AsyncSession, query: Select[ScheduledMessage], limit: int
) -> Listing[MessageRecord]:
    rows = tuple(message_record(row) for row in await session.scalars(query.limit(limit)))
    if len(rows) < limit:  # all of them are here: nothing more to count
        return Listing(rows=rows, total=len(rows))
    # Kept in the listing's order, so the planner walks the listing's index (PostgreSQL's
    # estimate for "pending and due by then" is far too high, and it would scan the table).
    bounded = query.with_only_columns(ScheduledMessage.id).limit(COUNT_CAP + 1)
    total = int(await session.scalar(select(func.count()).select_from(bounded.subquery())) or 0)
    return Listing(rows=rows, total=min(total, COUNT_CAP), capped=total > COUNT_CAP)


async def due_before(
    session: AsyncSession, until: datetime, *, limit: int = 50
) -> Listing[MessageRecord]:
    """Patient messages still to go out by `until` (overdue ones too), soonest first
    (ix_messages_claim: status, available_at)."""
    require_aware(until, "until")
    query = (
        select(ScheduledMessage)
        .where(
            message_status_is(MessageStatus.PENDING),
            ScheduledMessage.available_at <= until,
            ScheduledMessage.patient_id.is_not(None),  # to a patient, not the staff chat
        )
        .order_by(ScheduledMessage.available_at, ScheduledMessage.id)
    )
    return await _listing(session, query, limit)


async def failed_since(
    session: AsyncSession, since: datetime, *, limit: int = 50
) -> Listing[MessageRecord]:
    """Messages that ended as failed at or after `since`, newest first
    (ix_messages_finished: status, finished_at)."""
    require_aware(since, "since")
    query = (
        select(ScheduledMessage)
        .where(
            ScheduledMessage.status == MessageStatus.FAILED,
            ScheduledMessage.finished_at >= since,
        )
        .order_by(ScheduledMessage.finished_at.desc(), ScheduledMessage.id.desc())
    )
    return await _listing(session, query, limit)


async def open_escalations(session: AsyncSession, *, limit: int = 200) -> tuple[
    EscalationRecord, ...
]:
    """Unresolved cases (open or acknowledged), oldest first."""
    rows = await session.scalars(
        select(Escalation)
        .where(Escalation.status.in_(EscalationStatus.UNRESOLVED))
        .order_by(Escalation.created_at, Escalation.id)
        .limit(limit)
    )
    return tuple(escalation_record(row) for row in rows)


async def audit_since(
    session: AsyncSession, since: datetime, actions: Collection[str], *, limit: int = 100
) -> tuple[AuditRecord, ...]:
    """Successful audit events of these actions at or after `since`, newest first."""
    require_aware(since, "since")
    rows = await session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.at >= since,
            AuditEvent.action.in_(sorted(actions)),
            AuditEvent.outcome == AuditOutcome.OK,
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return tuple(audit_record(row) for row in rows)


async def labels_by_id(
    session: AsyncSession, patient_ids: Collection[int]
) -> dict[int, str | None]:
    """The labels of these patients (missing ids are left out): all Today shows of them."""
    if not patient_ids:
        return {}
    rows = await session.execute(
        select(Patient.id, Patient.label).where(Patient.id.in_(sorted(patient_ids))))
    return {patient_id: label for patient_id, label in rows}


async def enrollment_patients(
    session: AsyncSession, enrollment_ids: Collection[int]
) -> dict[int, int]:
    """Whose each of these enrollments is (enrollment id -> patient id)."""
    if not enrollment_ids:
        return {}
    rows = await session.execute(select(Enrollment.id, Enrollment.patient_id)
                                 .where(Enrollment.id.in_(sorted(enrollment_ids))))
    return {enrollment_id: patient_id for enrollment_id, patient_id in rows}


# --- patient search ----------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class PatientRow:
    """One line of the patient search: the patient, their newest enrollment, next message."""

    patient: PatientRecord
    enrollment: EnrollmentRecord | None
    next_due: datetime | None

    @property
    def status(self) -> str:
        """As staff see it: "cancelled" when staff cancelled a live patient's care."""
        return shown_status(self.patient.status,
                            self.enrollment.status if self.enrollment else None)


@dataclass(frozen=True, kw_only=True)
class PatientPage:
    """A page of the search, newest first, and whether there are newer or older matches."""

    rows: tuple[PatientRow, ...]
    newer: bool
    older: bool


def _care_cancelled() -> ColumnElement[bool]:
    """The patient is invited or active and their newest enrollment was cancelled by staff
    (core.statuses.shown_status "cancelled"), per patient through ix_enrollments_patient_id."""
    newer = aliased(Enrollment)
    return and_(Patient.status.in_(sorted(PatientStatus.LIVE)), exists(
        select(Enrollment.id).where(
            Enrollment.patient_id == Patient.id,
            Enrollment.status == EnrollmentStatus.CANCELLED,
            ~exists(select(newer.id).where(newer.patient_id == Enrollment.patient_id,
                                           newer.id > Enrollment.id)),
        )
    ))


def _shown_as(status: str) -> ColumnElement[bool]:
    """Patients whose status as staff see it is `status`."""
    if status == CARE_CANCELLED:
        return _care_cancelled()
    if status in PatientStatus.LIVE:
        return and_(Patient.status == status, ~_care_cancelled())
    return Patient.status == status


def _newest_enrollment_on(protocol_id: str) -> ColumnElement[bool]:
    """The patient's newest enrollment is on this protocol: checked per patient through
    ix_enrollments_patient_id, never by grouping every enrollment in the table."""
    newer = aliased(Enrollment)
    return exists(
        select(Enrollment.id).where(
            Enrollment.patient_id == Patient.id,
            Enrollment.protocol_id == protocol_id,
            ~exists(select(newer.id).where(newer.patient_id == Enrollment.patient_id,
                                           newer.id > Enrollment.id)),
        )
    )


async def search_patients(
    session: AsyncSession,
    *,
    now: datetime,
    text: str | None = None,
    protocol_id: str | None = None,
    status: str | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int = 30,
) -> PatientPage:
    """Patients, newest first: `text` matches any part of the label in any case
    (storage.patient_search: a trigram index on both databases), digits ("2231") the id
    too, and "#12" only the id; `protocol_id` the newest enrollment's protocol; `status`
    the status as staff see it (none: every status but forgotten). Keyset pages: ids below `before`
    (older) or above `after` (newer)."""
    require_aware(now, "now")
    matching: list[ColumnElement[bool]] = [
        _shown_as(status) if status else Patient.status.not_in(
            [PatientStatus.FORGOTTEN, PatientStatus.MERGED])
    ]
    words: str | None = None  # a label search the recent window may answer
    if text:
        digits = text.strip().lstrip("#")
        # An id only when a row can have it: a 10-digit phone number is no id (PostgreSQL
        # would refuse it in a query), so it matches labels only.
        number = row_id(digits) if digits.isdigit() else None
        if digits.isdigit() and len(digits) <= 12 and text.strip().startswith("#"):
            # "#12": that patient only
            matching.append(Patient.id == number if number is not None else false())
        elif digits.isdigit() and len(digits) <= 12:
            matching.append(label_contains(session, digits, or_id=number))
        else:
            words = text
    if protocol_id:
        matching.append(_newest_enrollment_on(protocol_id))
    others = list(matching)  # every condition but the label's
    postgres = session.get_bind().dialect.name == "postgresql"
    recent_window = words is not None and len(words.strip()) >= TRIGRAM
    if words is not None:
        rare: tuple[str, ...] = ()
        if postgres and recent_window and after is None:
            # The newest labels tell whether the newest patients will fill the page (a
            # common word: read them backwards) and which words are rare (look those up).
            seen = await sample(session, words)
            if seen is not None:
                recent_window = seen.share * RECENT > limit
                rare = seen.rare
        matching.append(label_contains(session, words, rare=rare))
    query = select(Patient.id).where(*matching)
    # With text, "id + 0" keeps PostgreSQL's planner off walking the primary key backwards
    # in the hope of meeting matches early (clustered matches made that a scan of the
    # table): it reads the trigram index, or scans and sorts when nearly everyone matches.
    # Text too short for a trigram has no index to read: the primary key, newest first,
    # until the page is full.
    # SQLite walks the matching rowids (FTS5's) in order itself: no sort.
    indexed = text is not None and len(text.strip().lstrip("#")) >= TRIGRAM
    order = Patient.id + 0 if indexed and postgres else Patient.id
    found: list[int]
    if after is not None:
        found = list(await session.scalars(
            query.where(Patient.id > after).order_by(order).limit(limit + 1)))
        ids = found[:limit][::-1]
        newer, older = len(found) > limit, await _any(session, matching, Patient.id <= after)
    else:
        if before is not None:
            query = query.where(Patient.id < before)
            others.append(Patient.id < before)
        found = []
        complete = False  # the recent window held every match
        if words is not None and recent_window:
            found, complete = await _in_recent(session, query, others, words, before, limit)
        if len(found) <= limit and not complete:
            found = list(await session.scalars(query.order_by(order.desc()).limit(limit + 1)))
        ids = found[:limit]
        older = len(found) > limit
        newer = before is not None and await _any(session, matching, Patient.id >= before)
    rows = await _with_plans(session, ids, now)
    return PatientPage(rows=rows, newer=newer, older=older)


# A common word matches thousands of labels. PostgreSQL would read every one from the
# trigram index and sort them ("johnson" at 100,000 patients: 4,000 rows, ~10 ms in a
# prepared statement's generic plan), SQLite gather every FTS5 match: the newest RECENT
# patients (PostgreSQL, read backwards by id) or the newest RECENT matches (SQLite, FTS5
# reading its index backwards) usually hold a page; only when they do not is it all read.
RECENT = 2000
RECENT_MATCHES = 300


async def _in_recent(
    session: AsyncSession, query: Select[int], others: list[ColumnElement[bool]],
    words: str, before: int | None, limit: int,
) -> tuple[list[int], bool]:
    """The page from the recent window, and whether that window held every match (then
    the page is final even when short: a rare word is not looked up twice)."""
    if session.get_bind().dialect.name == "sqlite":
        recent = await newest_matches(session, words, before=before, count=RECENT_MATCHES)
        found = list(await session.scalars(
            select(Patient.id).where(*others, Patient.id.in_(recent))
            .order_by(Patient.id.desc()).limit(limit + 1))) if recent else []
        return found, len(recent) < RECENT_MATCHES
    newest = select(Patient.id).order_by(Patient.id.desc()).offset(RECENT).limit(1)
    if before is not None:
        newest = newest.where(Patient.id < before)
    floor = await session.scalar(newest)
    if floor is None:
        return [], False  # few patients: the index query is as cheap
    return list(await session.scalars(
        query.where(Patient.id > floor).order_by(Patient.id.desc()).limit(limit + 1))), False


async def _any(session: AsyncSession, matching: list[ColumnElement[bool]],
               beyond: ColumnElement[bool]) -> bool:
    return await session.scalar(select(exists().where(*matching, beyond))) is True


async def _with_plans(
    session: AsyncSession, ids: Sequence[int], now: datetime
) -> tuple[PatientRow, ...]:
    """The page's patients (`ids`, in that order) with their newest enrollment and next
    message: one query, whatever the page's length (the next message is looked up per
    patient in the pending index, ix_messages_patient_status)."""
    if not ids:
        return ()
    newest = (select(func.max(Enrollment.id)).where(Enrollment.patient_id.in_(ids))
              .group_by(Enrollment.patient_id))
    next_due = (
        select(func.min(ScheduledMessage.due_at))
        .where(
            ScheduledMessage.patient_id == Patient.id,
            message_status_is(MessageStatus.PENDING),
            or_(ScheduledMessage.expires_at.is_(None), ScheduledMessage.expires_at > now),
        )
        .correlate(Patient)
        .scalar_subquery()
    )
    found = {
        patient.id: PatientRow(
            patient=patient_record(patient),
            enrollment=enrollment_record(enrollment) if enrollment is not None else None,
            next_due=_aware(due) if due is not None else None,
        )
        for patient, enrollment, due in await session.execute(
            select(Patient, Enrollment, next_due)
            .outerjoin(Enrollment, and_(Enrollment.patient_id == Patient.id,
                                        Enrollment.id.in_(newest)))
            .where(Patient.id.in_(ids))
        )
    }
    return tuple(found[i] for i in ids if i in found)


def _aware(value: datetime) -> datetime:
    # Aggregates bypass the column type, so SQLite hands back a naive (UTC) value or text.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- one patient ---------------------------------------------------------------------------

async def messages_for_patient(
    session: AsyncSession, patient_id: int, enrollment_ids: Collection[int]
) -> tuple[MessageRecord, ...]:
    """Every message of the patient's enrollments, notices to them that belong to no plan,
    and alerts about them, by due time.

    Indexed queries (enrollment_id; patient_id; about_patient_id), not one OR that SQLite
    answers with a scan of the whole outbox."""
    found: list[ScheduledMessage] = []
    wanted = [
        ScheduledMessage.about_patient_id == patient_id,
        and_(ScheduledMessage.patient_id == patient_id, ScheduledMessage.enrollment_id.is_(None)),
    ]
    if enrollment_ids:
        wanted.append(ScheduledMessage.enrollment_id.in_(sorted(enrollment_ids)))
    for criterion in wanted:
        found.extend(await session.scalars(
            select(ScheduledMessage).where(criterion)
            .execution_options(populate_existing=True)
        ))
    unique = {row.id: row for row in found}.values()
    ordered = sorted(unique, key=lambda row: (row.due_at, row.id))
    return tuple(message_record(row) for row in ordered)


async def escalations_for_patient(
    session: AsyncSession, patient_id: int
) -> tuple[EscalationRecord, ...]:
    """The patient's escalations, oldest first."""
    rows = await session.scalars(
        select(Escalation)
        .where(Escalation.patient_id == patient_id)
        .order_by(Escalation.created_at, Escalation.id)
    )
    return tuple(escalation_record(row) for row in rows)


async def audit_for_patient(
    session: AsyncSession, target: str, since: datetime, *, limit: int = 100
) -> tuple[AuditRecord, ...]:
    """Audit events naming the patient (`target` as their target or their detail) at or
    after `since` (when the patient was created), newest first.

    Two queries, one per column, each read in order from its (column, at) index; not one
    OR, which the databases answer by walking every event since `since`."""
    require_aware(since, "since")
    found: dict[int, AuditEvent] = {}
    for column in (AuditEvent.target, AuditEvent.detail):
        for row in await session.scalars(
            select(AuditEvent)
            .where(column == target, AuditEvent.at >= since)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        ):
            found[row.id] = row
    newest = sorted(found.values(), key=lambda row: (row.at, row.id), reverse=True)[:limit]
    return tuple(audit_record(row) for row in newest)
