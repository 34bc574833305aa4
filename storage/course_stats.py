"""Figures about courses of treatment for /stats and the console's Stats page: reach (invited,
joined, active, completed), outcome answers, how many outcome questions went out, courses by
how they ended. Plain values; grouping by the clinic's months is the service's job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.statuses import (
    BookingStatus,
    CourseStatus,
    EnrollmentStatus,
    MessageKind,
    MessageStatus,
    PatientStatus,
)
from storage.models import (
    Booking,
    Enrollment,
    OutcomeAnswer,
    Patient,
    PatientCourse,
    ScheduledMessage,
)


def _utc(value: datetime | str) -> datetime:
    if isinstance(value, str):  # SQLite aggregates come back as text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True, kw_only=True)
class Reach:
    """No patient lost: how many were invited, joined (said yes), are active now, and
    completed a course."""

    invited: int
    joined: int
    active: int
    completed: int


async def reach(session: AsyncSession) -> Reach:
    p = Patient
    invited = int(await session.scalar(select(func.count()).select_from(p)) or 0)
    joined = int(await session.scalar(
        select(func.count()).where(p.consented_at.is_not(None))) or 0)
    active = int(await session.scalar(
        select(func.count()).where(p.status == PatientStatus.ACTIVE)) or 0)
    completed = int(await session.scalar(
        select(func.count(func.distinct(PatientCourse.patient_id)))
        .where(PatientCourse.status == CourseStatus.COMPLETED)) or 0)
    return Reach(invited=invited, joined=joined, active=active, completed=completed)


@dataclass(frozen=True, kw_only=True)
class OutcomeRow:
    protocol_id: str
    answered_at: datetime
    score: int


async def outcomes_since(session: AsyncSession, since: datetime) -> tuple[OutcomeRow, ...]:
    """Every outcome answer since then (ix_outcomes_answered_at)."""
    require_aware(since, "since")
    rows = await session.execute(
        select(OutcomeAnswer.protocol_id, OutcomeAnswer.answered_at, OutcomeAnswer.score)
        .where(OutcomeAnswer.answered_at >= since)
    )
    return tuple(OutcomeRow(protocol_id=p, answered_at=_utc(at), score=int(s))
                 for p, at, s in rows)


async def outcome_questions_sent(session: AsyncSession, since: datetime) -> int:
    """Outcome questions that reached a patient since then (the response rate's base)."""
    require_aware(since, "since")
    return int(await session.scalar(
        select(func.count()).where(ScheduledMessage.kind == MessageKind.OUTCOME,
                                   ScheduledMessage.status == MessageStatus.SENT,
                                   ScheduledMessage.sent_at >= since)
    ) or 0)


@dataclass(frozen=True, kw_only=True)
class ActiveCourse:
    """A course still active, when its last session took place and whether the next one
    is booked (so the service can tell a course that lapsed)."""

    protocol_id: str
    last_session: datetime | None
    booked: bool


async def courses_by_status(session: AsyncSession) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(CourseStatus, 0)
    for status, count in await session.execute(
        select(PatientCourse.status, func.count()).group_by(PatientCourse.status)
    ):
        counts[str(status)] = int(count)
    return counts


async def active_courses(session: AsyncSession, *, limit: int = 10_000) -> tuple[
    ActiveCourse, ...
]:
    """Every active course with its last session done and whether one is booked."""
    c, e = PatientCourse, Enrollment
    last = (
        select(func.max(e.session_start))
        .where(e.patient_id == c.patient_id, e.protocol_id == c.protocol_id,
               e.status.in_(sorted({EnrollmentStatus.ACTIVE, EnrollmentStatus.SUPERSEDED})))
        .scalar_subquery()
    )
    booked = exists().where(
        Booking.patient_id == c.patient_id, Booking.status.in_(sorted(BookingStatus.OPEN)))
    rows = await session.execute(
        select(c.protocol_id, last, booked).where(c.status == CourseStatus.ACTIVE).limit(limit)
    )
    return tuple(ActiveCourse(protocol_id=p, last_session=None if at is None else _utc(at),
                              booked=bool(b)) for p, at, b in rows)
