"""Figures for the console's Stats page: message outcomes, check-in answers, cases, opt-outs.

Each returns plain values (instants in UTC); grouping into the clinic's days and weeks is the
service's job, since "a day" depends on the clinic's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.statuses import AuditOutcome, MessageStatus
from storage.models import AuditEvent, CheckinAnswer, Enrollment, Escalation, ScheduledMessage

FINISHED = (MessageStatus.SENT, MessageStatus.EXPIRED, MessageStatus.FAILED)


def _utc(value: datetime | str) -> datetime:
    if isinstance(value, str):  # SQLite aggregates come back as text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def outcomes_since(
    session: AsyncSession, since: datetime
) -> tuple[tuple[str, datetime], ...]:
    """(status, finished at) of every patient message sent, expired or failed since then
    (ix_messages_finished: status, finished_at). A message already past its time when its
    plan was made (pre-care for a session enrolled on the day) was never sendable: it is
    not "expired" waiting for delivery, and is left out (its finished_at is its
    created_at: it expired at planning)."""
    require_aware(since, "since")
    rows = await session.execute(
        select(ScheduledMessage.status, ScheduledMessage.finished_at).where(
            ScheduledMessage.status.in_([str(s) for s in FINISHED]),
            ScheduledMessage.finished_at >= since,
            ScheduledMessage.patient_id.is_not(None),  # to a patient, not the staff chat
            or_(ScheduledMessage.status != MessageStatus.EXPIRED,
                ScheduledMessage.finished_at != ScheduledMessage.created_at),
        )
    )
    return tuple((str(status), _utc(at)) for status, at in rows if at is not None)


@dataclass(frozen=True, kw_only=True)
class AnswerCount:
    protocol_id: str | None  # None: the enrollment is gone
    step_id: str
    option_id: str
    count: int


async def checkin_answer_counts(session: AsyncSession, since: datetime) -> tuple[
    AnswerCount, ...
]:
    """How often each option of each check-in step of each protocol was chosen since then
    (protocols share step ids: the face's and the hair's "checkin-day1" are two steps)."""
    require_aware(since, "since")
    rows = await session.execute(
        select(Enrollment.protocol_id, CheckinAnswer.step_id, CheckinAnswer.option_id,
               func.count())
        .join(Enrollment, Enrollment.id == CheckinAnswer.enrollment_id, isouter=True)
        .where(CheckinAnswer.answered_at >= since)
        .group_by(Enrollment.protocol_id, CheckinAnswer.step_id, CheckinAnswer.option_id)
        .order_by(Enrollment.protocol_id, CheckinAnswer.step_id, CheckinAnswer.option_id)
    )
    return tuple(AnswerCount(protocol_id=p, step_id=s, option_id=o, count=int(c))
                 for p, s, o, c in rows)


@dataclass(frozen=True, kw_only=True)
class CaseTimes:
    kind: str
    created_at: datetime
    closed_at: datetime | None


async def cases_since(session: AsyncSession, since: datetime) -> tuple[CaseTimes, ...]:
    """Every escalation opened since then: its kind, when it opened and closed."""
    require_aware(since, "since")
    rows = await session.execute(
        select(Escalation.kind, Escalation.created_at, Escalation.closed_at).where(
            Escalation.created_at >= since
        )
    )
    return tuple(
        CaseTimes(kind=str(kind), created_at=_utc(created),
                  closed_at=None if closed is None else _utc(closed))
        for kind, created, closed in rows
    )


async def events_since(
    session: AsyncSession, since: datetime, action: str
) -> tuple[datetime, ...]:
    """When each successful audit event of `action` happened since then."""
    require_aware(since, "since")
    rows = await session.scalars(
        select(AuditEvent.at).where(
            AuditEvent.at >= since, AuditEvent.action == action,
            AuditEvent.outcome == AuditOutcome.OK,
        )
    )
    return tuple(_utc(at) for at in rows)
