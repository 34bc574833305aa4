"""Console token repository: one-time sign-in links and browser sessions, stored hashed."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from storage.models import ConsoleToken


class TokenKind(enum.StrEnum):
    """console_tokens.kind."""

    LINK = "link"  # a one-time sign-in link from /console
    SESSION = "session"  # a signed-in browser (the cookie)


class LinkStatus(enum.StrEnum):
    """What redeeming a sign-in link found."""

    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


@dataclass(frozen=True, kw_only=True)
class LinkRedemption:
    """The outcome of using a link; `user_id` is known unless the link is unknown."""

    status: LinkStatus
    user_id: int | None


class ConsoleTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(
        self, *, kind: TokenKind, token_hash: str, user_id: int, expires_at: datetime,
        now: datetime,
    ) -> None:
        """Store a new link or session (its secret is never stored, only `token_hash`)."""
        require_aware(now, "now")
        require_aware(expires_at, "expires_at")
        self._session.add(ConsoleToken(
            kind=str(kind), token_hash=token_hash, user_id=user_id, created_at=now,
            expires_at=expires_at,
        ))
        await self._session.flush()

    async def redeem_link(self, token_hash: str, now: datetime) -> LinkRedemption:
        """Use a sign-in link; of any number of concurrent tries exactly one gets OK.

        The check and the write are one UPDATE, so the database decides a race.
        """
        require_aware(now, "now")
        result = await self._session.execute(
            update(ConsoleToken)
            .where(
                ConsoleToken.token_hash == token_hash,
                ConsoleToken.kind == TokenKind.LINK,
                ConsoleToken.ended_at.is_(None),
                ConsoleToken.expires_at > now,
            )
            .values(ended_at=now)
            .execution_options(synchronize_session=False)
        )
        won = result.rowcount == 1  # type: ignore[attr-defined]
        row = await self._session.scalar(
            select(ConsoleToken)
            .where(ConsoleToken.token_hash == token_hash, ConsoleToken.kind == TokenKind.LINK)
            .execution_options(populate_existing=True)
        )
        if row is None:
            return LinkRedemption(status=LinkStatus.UNKNOWN, user_id=None)
        if won:
            return LinkRedemption(status=LinkStatus.OK, user_id=row.user_id)
        if row.ended_at is not None:
            return LinkRedemption(status=LinkStatus.USED, user_id=row.user_id)
        return LinkRedemption(status=LinkStatus.EXPIRED, user_id=row.user_id)

    async def session_user(self, token_hash: str, now: datetime) -> int | None:
        """The user a live session belongs to (None: unknown, signed out or expired)."""
        require_aware(now, "now")
        return await self._session.scalar(
            select(ConsoleToken.user_id).where(
                ConsoleToken.token_hash == token_hash,
                ConsoleToken.kind == TokenKind.SESSION,
                ConsoleToken.ended_at.is_(None),
                ConsoleToken.expires_at > now,
            )
        )

    async def end_session(self, token_hash: str, now: datetime) -> int | None:
        """Sign a session out; the user it belonged to, or None if it was not live."""
        user_id = await self.session_user(token_hash, now)
        if user_id is None:
            return None
        await self._session.execute(
            update(ConsoleToken)
            .where(ConsoleToken.token_hash == token_hash, ConsoleToken.kind == TokenKind.SESSION)
            .values(ended_at=now)
            .execution_options(synchronize_session=False)
        )
        return user_id

    async def prune(self, before: datetime) -> int:
        """Delete links and sessions that expired or ended before `before`; how many."""
        require_aware(before, "before")
        result = await self._session.execute(
            delete(ConsoleToken).where(
                or_(ConsoleToken.expires_at < before, ConsoleToken.ended_at < before)
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
