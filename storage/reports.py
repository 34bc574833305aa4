"""Operational reports: outbox health, escalation counts, the daily digest, retention candidates."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.statuses import (
    AuditOutcome,
    EnrollmentStatus,
    EscalationStatus,
    MessageStatus,
    PatientStatus,
)
from storage.models import (
    AuditEvent,
    Enrollment,
    Escalation,
    Invite,
    Patient,
    ScheduledMessage,
    due_pending,
    message_status_is,
)
from storage.patient_data import target_patient_id


@dataclass(frozen=True, kw_only=True)
class OutboxHealth:
    """How far delivery is behind: due messages not yet sent, and the oldest one's wait."""

    due_backlog: int
    oldest_available_at: datetime | None

    def lag_seconds(self, now: datetime) -> float:
        """Seconds the oldest due message has waited (0 when nothing is due)."""
        if self.oldest_available_at is None:
            return 0.0
        return max(0.0, (now - self.oldest_available_at).total_seconds())


@dataclass(frozen=True, kw_only=True)
class Digest:
    """The last 24 hours for staff: ids and counts only, never names or texts."""

    since: datetime
    new_enrollments: tuple[tuple[int, str], ...]  # (patient id, protocol id)
    open_escalations: tuple[tuple[int, int | None, str], ...]  # (id, patient id, kind)
    # Unresolved cases opened before `since` (older than a day): (id, patient id, kind).
    stale_cases: tuple[tuple[int, int | None, str], ...] = ()
    failed_messages: tuple[tuple[int, int | None], ...]  # (message id, patient id)
    opt_outs: tuple[int, ...]  # patient ids
    # Invited before the nudge cut-off and still not joined: (patient id, invited at).
    not_joined: tuple[tuple[int, datetime], ...] = ()


async def outbox_health(session: AsyncSession, now: datetime) -> OutboxHealth:
    """Due pending messages (counted up to DUE_COUNT_CAP) plus leases that ran out (a crashed
    sender's rows), read from their indexes."""
    require_aware(now, "now")
    m = ScheduledMessage
    due = due_pending(now)
    pending = (
        await session.execute(select(func.count(), func.min(due.c.available_at)))
    ).one()
    stuck = (
        await session.execute(
            select(func.count(), func.min(m.available_at)).where(
                message_status_is(MessageStatus.SENDING), m.lease_expires_at < now
            )
        )
    ).one()
    # func.min loses the column type on some dialects: coerce back to aware UTC.
    oldest = [_utc(t) for t in (pending[1], stuck[1]) if t is not None]
    return OutboxHealth(
        due_backlog=int(pending[0]) + int(stuck[0]),
        oldest_available_at=min(oldest) if oldest else None,
    )


async def escalation_counts(session: AsyncSession) -> Mapping[tuple[str, str], int]:
    """(kind, status) -> number of escalations ever raised (rows are never deleted)."""
    rows = await session.execute(
        select(Escalation.kind, Escalation.status, func.count()).group_by(
            Escalation.kind, Escalation.status
        )
    )
    return {(kind, status): int(count) for kind, status, count in rows}


@dataclass(frozen=True, kw_only=True)
class CaseFigures:
    """Cases by kind (opened ever, acknowledged, resolved), open now, time to acknowledge."""

    opened: Mapping[str, int]
    acknowledged: Mapping[str, int]
    resolved: Mapping[str, int]
    open_now: int
    ack_median_seconds: float | None  # over the last `sample` acknowledged cases
    ack_p90_seconds: float | None


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile of `values` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil without float surprises
    return ordered[min(len(ordered), int(rank)) - 1]


async def case_figures(session: AsyncSession, *, sample: int = 1000) -> CaseFigures:
    """What /stats and /metrics show about cases (ids and counts only)."""
    e = Escalation
    rows = (await session.execute(
        select(e.kind, e.status, e.acknowledged_at.is_not(None), func.count())
        .group_by(e.kind, e.status, e.acknowledged_at.is_not(None))
    )).all()
    opened: dict[str, int] = {}
    acknowledged: dict[str, int] = {}
    resolved: dict[str, int] = {}
    open_now = 0
    for kind, status, acked, count in rows:
        opened[str(kind)] = opened.get(str(kind), 0) + int(count)
        if acked:
            acknowledged[str(kind)] = acknowledged.get(str(kind), 0) + int(count)
        if status == EscalationStatus.RESOLVED:
            resolved[str(kind)] = resolved.get(str(kind), 0) + int(count)
        else:
            open_now += int(count)
    # A case made urgent again waited from then (its earlier acknowledgement was cleared).
    times = await session.execute(
        select(e.created_at, e.raised_at, e.acknowledged_at)
        .where(e.acknowledged_at.is_not(None))
        .order_by(e.acknowledged_at.desc()).limit(sample)
    )
    waits = [(_utc(ack) - _utc(raised or made)).total_seconds()
             for made, raised, ack in times]
    return CaseFigures(
        opened=opened, acknowledged=acknowledged, resolved=resolved, open_now=open_now,
        ack_median_seconds=percentile(waits, 0.5), ack_p90_seconds=percentile(waits, 0.9),
    )


async def not_joined(
    session: AsyncSession, invited_before: datetime, *, limit: int = 50
) -> tuple[tuple[int, datetime], ...]:
    """Patients still invited whose invite (unused) was made before `invited_before`:
    (patient id, when), oldest first. No patient lost (PRODUCT.md 3.6)."""
    require_aware(invited_before, "invited_before")
    rows = await session.execute(
        select(Patient.id, func.max(Invite.created_at))
        .join(Enrollment, Enrollment.patient_id == Patient.id)
        .join(Invite, Invite.enrollment_id == Enrollment.id)
        .where(Patient.status == PatientStatus.INVITED, Invite.used_at.is_(None),
               Enrollment.status == EnrollmentStatus.INVITED)
        .group_by(Patient.id)
        .having(func.max(Invite.created_at) < invited_before)
        .order_by(func.max(Invite.created_at), Patient.id)
        .limit(limit)
    )
    return tuple((int(patient_id), _utc(at)) for patient_id, at in rows)


async def digest(
    session: AsyncSession, since: datetime, *, limit: int = 50,
    nudge_before: datetime | None = None,
) -> Digest:
    """What happened since `since` (new enrollments, failures, opt-outs) and what is open;
    with `nudge_before`, who was invited before it and has not joined yet."""
    require_aware(since, "since")
    enrollments = await session.execute(
        select(Enrollment.patient_id, Enrollment.protocol_id)
        .where(Enrollment.created_at >= since)
        .order_by(Enrollment.id)
        .limit(limit)
    )
    escalations = await session.execute(
        select(Escalation.id, Escalation.patient_id, Escalation.kind)
        .where(Escalation.status.in_(EscalationStatus.UNRESOLVED))
        .order_by(Escalation.id)
        .limit(limit)
    )
    stale = await session.execute(
        select(Escalation.id, Escalation.patient_id, Escalation.kind)
        .where(Escalation.status.in_(EscalationStatus.UNRESOLVED), Escalation.created_at < since)
        .order_by(Escalation.created_at, Escalation.id)
        .limit(limit)
    )
    failures = await session.execute(
        select(ScheduledMessage.id, ScheduledMessage.patient_id)
        .where(
            ScheduledMessage.status == MessageStatus.FAILED, ScheduledMessage.finished_at >= since
        )
        .order_by(ScheduledMessage.id)
        .limit(limit)
    )
    # The patients table has no "stopped at"; the opt-out's audit event carries the time.
    opt_outs = await session.scalars(
        select(AuditEvent.target)
        .where(AuditEvent.action == "patient.stop", AuditEvent.outcome == AuditOutcome.OK,
               AuditEvent.at >= since)
        .order_by(AuditEvent.id)
        .limit(limit)
    )
    stopped = [target_patient_id(target) for target in opt_outs]
    return Digest(
        since=since,
        new_enrollments=tuple((int(p), str(pr)) for p, pr in enrollments),
        open_escalations=tuple((int(i), p, str(k)) for i, p, k in escalations),
        stale_cases=tuple((int(i), p, str(k)) for i, p, k in stale),
        failed_messages=tuple((int(i), p) for i, p in failures),
        opt_outs=tuple(dict.fromkeys(i for i in stopped if i is not None)),
        not_joined=(await not_joined(session, nudge_before, limit=limit)
                    if nudge_before is not None else ()),
    )


def _utc(value: Any) -> datetime:
    """An aggregate's datetime as aware UTC (SQLite hands back naive values or strings)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def retention_candidates(
    session: AsyncSession,
    *,
    inactive_before: datetime,
    limit: int = 500,
    only: Collection[int] | None = None,
) -> tuple[int, ...]:
    """Patients to erase: last activity (or creation) and last message sent to them before
    the cut-off, not yet forgotten, and with no message still pending or being sent
    (`only`: among these ids)."""
    require_aware(inactive_before, "inactive_before")
    p = Patient
    still_open = exists().where(
        ScheduledMessage.patient_id == p.id,
        ScheduledMessage.status.in_(sorted(MessageStatus.OPEN)),
    )
    # "Last activity" is the last message either way: what the bot sent counts too.
    recently_messaged = exists().where(
        ScheduledMessage.patient_id == p.id,
        or_(ScheduledMessage.sent_at >= inactive_before,
            ScheduledMessage.finished_at >= inactive_before),
    )
    last = or_(
        p.last_activity_at < inactive_before,
        and_(p.last_activity_at.is_(None), p.created_at < inactive_before),
    )
    query = select(p.id).where(
        p.status != PatientStatus.FORGOTTEN, last, ~still_open, ~recently_messaged
    )
    if only is not None:
        query = query.where(p.id.in_(sorted(only)))
    rows = await session.scalars(query.order_by(p.id).limit(limit))
    return tuple(int(i) for i in rows)
