"""Staff repository: who may use staff commands (admins come from settings and always may)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import StaffRecord
from storage.models import StaffMember


def _record(row: StaffMember) -> StaffRecord:
    return StaffRecord(
        user_id=row.user_id,
        is_admin=row.is_admin,
        added_by=row.added_by,
        added_at=row.added_at,
        removed_at=row.removed_at,
    )


class StaffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def is_staff(self, user_id: int, admin_ids: Collection[int]) -> bool:
        """True for admins from settings and for staff who have not been removed."""
        if user_id in admin_ids:
            return True
        row = await self._session.get(StaffMember, user_id)
        return row is not None and row.removed_at is None

    async def is_admin(self, user_id: int, admin_ids: Collection[int]) -> bool:
        if user_id in admin_ids:
            return True
        row = await self._session.get(StaffMember, user_id)
        return row is not None and row.removed_at is None and row.is_admin

    async def get(self, user_id: int) -> StaffRecord | None:
        row = await self._session.get(StaffMember, user_id)
        return None if row is None else _record(row)

    async def add(
        self, user_id: int, added_by: int | None, now: datetime, *, is_admin: bool = False
    ) -> StaffRecord:
        """Add a staff member, or bring a removed one back."""
        require_aware(now, "now")
        row = await self._session.get(StaffMember, user_id)
        if row is None:
            row = StaffMember(user_id=user_id, is_admin=is_admin, added_by=added_by, added_at=now)
            self._session.add(row)
        elif row.removed_at is not None:
            row.removed_at = None
            row.added_at = now
            row.added_by = added_by
            row.is_admin = is_admin
        await self._session.flush()
        return _record(row)

    async def remove(self, user_id: int, now: datetime) -> bool:
        """Soft removal (kept for the audit trail); False when not a current staff member."""
        require_aware(now, "now")
        row = await self._session.get(StaffMember, user_id)
        if row is None or row.removed_at is not None:
            return False
        row.removed_at = now
        await self._session.flush()
        return True

    async def list(self, *, include_removed: bool = False) -> tuple[StaffRecord, ...]:
        query = select(StaffMember).order_by(StaffMember.user_id)
        if not include_removed:
            query = query.where(StaffMember.removed_at.is_(None))
        return tuple(_record(row) for row in await self._session.scalars(query))
