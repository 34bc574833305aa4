"""Invite repository: single-use codes (stored as hashes), claimed atomically."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Update, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import ClaimStatus, InviteClaim, InviteRecord
from storage.models import Invite


def expire_unused(whose: ColumnElement[bool], now: datetime) -> Update:
    """The UPDATE that makes the matching invites not yet used nor expired expire `now`
    (a cancelled enrollment, an erased patient): the link can no longer bind anyone."""
    require_aware(now, "now")
    return (
        update(Invite)
        .where(whose, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(expires_at=now)
    )


def invite_record(row: Invite) -> InviteRecord:
    return InviteRecord(
        id=row.id,
        enrollment_id=row.enrollment_id,
        code_hash=row.code_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        used_by_chat=row.used_by_chat,
        opened_at=row.opened_at,
    )


def _status(row: Invite, now: datetime) -> ClaimStatus:
    if row.used_at is not None:
        return ClaimStatus.USED
    if row.expires_at <= now:
        return ClaimStatus.EXPIRED
    return ClaimStatus.OK


class InviteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(
        self, *, enrollment_id: int, code_hash: str, expires_at: datetime, now: datetime
    ) -> InviteRecord:
        require_aware(expires_at, "expires_at")
        require_aware(now, "now")
        row = Invite(
            enrollment_id=enrollment_id, code_hash=code_hash, created_at=now, expires_at=expires_at
        )
        self._session.add(row)
        await self._session.flush()
        return invite_record(row)

    async def _fresh(self, code_hash: str) -> Invite | None:
        # populate_existing: another transaction may have claimed it since we last looked.
        return await self._session.scalar(
            select(Invite)
            .where(Invite.code_hash == code_hash)
            .execution_options(populate_existing=True)
        )

    async def peek(self, code_hash: str, now: datetime) -> InviteClaim:
        """What claiming would say now, without using the code (for the consent question)."""
        require_aware(now, "now")
        row = await self._fresh(code_hash)
        if row is None:
            return InviteClaim(status=ClaimStatus.UNKNOWN, invite=None)
        return InviteClaim(status=_status(row, now), invite=invite_record(row))

    async def mark_opened(self, invite_id: int, now: datetime) -> None:
        """The link was opened (/start with its code): remembered once, the first time."""
        require_aware(now, "now")
        await self._session.execute(
            update(Invite).where(Invite.id == invite_id, Invite.opened_at.is_(None))
            .values(opened_at=now)
        )

    async def claim(self, code_hash: str, chat_id: int, now: datetime) -> InviteClaim:
        """Use the code for `chat_id`; exactly one of any number of concurrent claims gets OK.

        The check and the write are one UPDATE, so the database (row lock on PostgreSQL,
        the write lock on SQLite) decides the race, not our process.
        """
        require_aware(now, "now")
        result = await self._session.execute(
            update(Invite)
            .where(
                Invite.code_hash == code_hash,
                Invite.used_at.is_(None),
                Invite.expires_at > now,
            )
            .values(used_at=now, used_by_chat=chat_id)
            .execution_options(synchronize_session=False)
        )
        won = result.rowcount == 1  # type: ignore[attr-defined]
        row = await self._fresh(code_hash)
        if row is None:
            return InviteClaim(status=ClaimStatus.UNKNOWN, invite=None)
        return InviteClaim(
            status=ClaimStatus.OK if won else _status(row, now), invite=invite_record(row)
        )

    async def for_enrollment(self, enrollment_id: int) -> tuple[InviteRecord, ...]:
        rows = await self._session.scalars(
            select(Invite).where(Invite.enrollment_id == enrollment_id).order_by(Invite.id)
        )
        return tuple(invite_record(row) for row in rows)

    async def unused_for_enrollment(self, enrollment_id: int, now: datetime
                                    ) -> tuple[InviteRecord, ...]:
        """The enrollment's invites not used and not expired at `now` (what a cancel voids)."""
        require_aware(now, "now")
        rows = await self._session.scalars(
            select(Invite).where(Invite.enrollment_id == enrollment_id,
                                 Invite.used_at.is_(None), Invite.expires_at > now))
        return tuple(invite_record(row) for row in rows)

    async def set_expiry(self, invite_id: int, expires_at: datetime) -> None:
        """An unused invite's link works until `expires_at` again (undoing a cancel)."""
        require_aware(expires_at, "expires_at")
        await self._session.execute(
            update(Invite).where(Invite.id == invite_id, Invite.used_at.is_(None))
            .values(expires_at=expires_at).execution_options(synchronize_session=False))

    async def expire_for_enrollment(self, enrollment_id: int, now: datetime) -> None:
        """Unused links of the enrollment stop working now (a new one is being issued)."""
        await self._session.execute(expire_unused(Invite.enrollment_id == enrollment_id, now))
