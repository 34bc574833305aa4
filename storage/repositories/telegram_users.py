"""Telegram users seen where staff work: their names to show, their @usernames to find."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import TelegramUserRecord
from storage.models import StaffMember, TelegramUser

NAME_CHARS = 128
USERNAME_CHARS = 64


def _record(row: TelegramUser) -> TelegramUserRecord:
    return TelegramUserRecord(user_id=row.user_id, name=row.name, username=row.username,
                              seen_at=row.seen_at)


class TelegramUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def seen(self, user_id: int, name: str, username: str | None,
                   now: datetime) -> TelegramUserRecord:
        """Record (or refresh) what Telegram calls this user now."""
        require_aware(now, "now")
        row = await self._session.get(TelegramUser, user_id)
        if row is None:
            row = TelegramUser(user_id=user_id, name="", seen_at=now)
            self._session.add(row)
        row.name = name[:NAME_CHARS]
        row.username = username[:USERNAME_CHARS] if username else None
        row.seen_at = now
        await self._session.flush()
        return _record(row)

    async def get(self, user_id: int) -> TelegramUserRecord | None:
        row = await self._session.get(TelegramUser, user_id)
        return None if row is None else _record(row)

    async def many(self, user_ids: Collection[int]) -> dict[int, TelegramUserRecord]:
        if not user_ids:
            return {}
        rows = await self._session.scalars(
            select(TelegramUser).where(TelegramUser.user_id.in_(sorted(set(user_ids)))))
        return {row.user_id: _record(row) for row in rows}

    async def by_username(self, username: str) -> TelegramUserRecord | None:
        """The user last seen with this @username (any case); None if never seen."""
        wanted = username.removeprefix("@").lower()
        row = await self._session.scalar(
            select(TelegramUser).where(func.lower(TelegramUser.username) == wanted)
            .order_by(TelegramUser.seen_at.desc()).limit(1))
        return None if row is None else _record(row)

    async def forget_unseen_since(self, before: datetime, keep: Collection[int] = ()) -> int:
        """Drop people not seen since `before` who are not staff (nor in `keep`, the
        settings' admins): a name kept only to let `/staff add @username` find someone is
        not kept for ever (retention)."""
        require_aware(before, "before")
        staff = select(StaffMember.user_id).where(StaffMember.removed_at.is_(None))
        result = await self._session.execute(
            delete(TelegramUser).where(TelegramUser.seen_at < before,
                                       TelegramUser.user_id.not_in(staff),
                                       TelegramUser.user_id.not_in(sorted(set(keep)) or [-1])))
        return int(result.rowcount)  # type: ignore[attr-defined]
