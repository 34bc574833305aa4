"""Audit repository: who did what and whether it was allowed (ids only, never names or texts)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import AuditRecord
from core.statuses import AuditOutcome, parse
from storage.models import AuditEvent


def audit_record(row: AuditEvent) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        at=row.at,
        actor_id=row.actor_id,
        action=row.action,
        outcome=row.outcome,
        target=row.target,
        detail=row.detail,
    )


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self,
        *,
        actor_id: int | None,
        action: str,
        outcome: str,
        target: str | None = None,
        detail: str | None = None,
        now: datetime,
    ) -> AuditRecord:
        """Append an event. `detail` must hold ids and codes only: no names, no message texts.

        `outcome` is an AuditOutcome or its text; anything else raises ValueError.
        """
        require_aware(now, "now")
        checked = parse(AuditOutcome, outcome, "audit outcome")
        row = AuditEvent(
            at=now,
            actor_id=actor_id,
            action=action[:64],
            outcome=checked,
            target=None if target is None else target[:100],
            detail=None if detail is None else detail[:300],
        )
        self._session.add(row)
        await self._session.flush()
        return audit_record(row)

    async def prune(self, before: datetime, *, limit: int = 10_000) -> int:
        """Delete up to `limit` events older than `before` (ix_audit_events_at), oldest
        first; how many went. The caller repeats it, one short transaction each."""
        require_aware(before, "before")
        doomed = (select(AuditEvent.id).where(AuditEvent.at < before)
                  .order_by(AuditEvent.at).limit(limit))
        result = await self._session.execute(
            delete(AuditEvent).where(AuditEvent.id.in_(doomed.scalar_subquery()))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def list(
        self,
        *,
        actor_id: int | None = None,
        action: str | None = None,
        since: datetime | None = None,
        outcome: str | None = None,
        limit: int = 100,
    ) -> tuple[AuditRecord, ...]:
        """Events, newest first, optionally filtered."""
        query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        if actor_id is not None:
            query = query.where(AuditEvent.actor_id == actor_id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        if since is not None:
            query = query.where(AuditEvent.at >= require_aware(since, "since"))
        if outcome is not None:
            query = query.where(AuditEvent.outcome == parse(AuditOutcome, outcome, "audit outcome"))
        rows = await self._session.scalars(query.limit(limit))
        return tuple(audit_record(row) for row in rows)
