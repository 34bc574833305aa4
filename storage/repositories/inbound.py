"""Inbound update repository: webhook updates stored before Telegram gets its 200."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import InboundUpdateRecord
from storage.models import InboundUpdate
from storage.repositories.conflicts import insert_ignoring_conflicts


def inbound_record(row: InboundUpdate) -> InboundUpdateRecord:
    return InboundUpdateRecord(
        update_id=row.update_id,
        payload=row.payload,
        received_at=row.received_at,
        processed_at=row.processed_at,
    )


class InboundUpdateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save_if_new(self, update_id: int, payload: Mapping[str, Any], now: datetime) -> bool:
        """Store the update; False if it was stored before (Telegram re-delivered it)."""
        require_aware(now, "now")
        statement = insert_ignoring_conflicts(self._session, InboundUpdate, ["update_id"]).values(
            update_id=update_id, payload=dict(payload), received_at=now
        )
        result = await self._session.execute(statement)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def effect_of(self, update_id: int) -> str | None:
        """What handling this update already did (None: nothing recorded, or no such row:
        polling mode keeps no updates)."""
        return await self._session.scalar(
            select(InboundUpdate.effect).where(InboundUpdate.update_id == update_id)
        )

    async def record_effect(self, update_id: int, effect: str) -> None:
        """Record, in the caller's transaction, what handling the update did (no-op when
        the update is not stored: polling mode)."""
        await self._session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.update_id == update_id)
            .values(effect=effect[:64])
            .execution_options(synchronize_session=False)
        )

    async def mark_processed(self, update_id: int, now: datetime) -> bool:
        """Mark done and drop the payload (patients' words, staff labels: kept only as long
        as handling needs; the update id stays to recognise a resend). False if unknown or
        already processed (so it is handled once)."""
        require_aware(now, "now")
        result = await self._session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.update_id == update_id, InboundUpdate.processed_at.is_(None))
            .values(processed_at=now, payload={"update_id": update_id})
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def unprocessed(self, limit: int = 100) -> tuple[InboundUpdateRecord, ...]:
        """Updates received but not yet handled, in Telegram's order (replayed at start-up)."""
        rows = await self._session.scalars(
            select(InboundUpdate)
            .where(InboundUpdate.processed_at.is_(None))
            .order_by(InboundUpdate.update_id)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return tuple(inbound_record(row) for row in rows)

    async def prune_processed(self, before: datetime) -> int:
        """Delete updates processed before `before` (they hold patient texts); returns count."""
        require_aware(before, "before")
        result = await self._session.execute(
            delete(InboundUpdate)
            .where(InboundUpdate.processed_at.is_not(None), InboundUpdate.processed_at < before)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
