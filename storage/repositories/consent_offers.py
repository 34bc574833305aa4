"""Consent offers: which invite's consent question a chat was last shown, so a patient who
types "yes" (or "no") is answered as by the button. Holding the row is the proof the chat
opened that invite's link; the code itself is never stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from storage.models import ConsentOffer, Invite


@dataclass(frozen=True, kw_only=True)
class OfferedInvite:
    invite_id: int
    code_hash: str
    language: str | None
    offered_at: datetime


class ConsentOfferRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def offered(self, chat_id: int, invite_id: int, language: str | None,
                      now: datetime) -> None:
        """The chat was shown this invite's consent question now (the last one counts)."""
        require_aware(now, "now")
        row = await self._session.get(ConsentOffer, chat_id)
        if row is None:
            self._session.add(ConsentOffer(chat_id=chat_id, invite_id=invite_id,
                                           language=language, offered_at=now))
        else:
            row.invite_id, row.language, row.offered_at = invite_id, language, now
        await self._session.flush()

    async def get(self, chat_id: int) -> OfferedInvite | None:
        found = (await self._session.execute(
            select(ConsentOffer.invite_id, Invite.code_hash, ConsentOffer.language,
                   ConsentOffer.offered_at)
            .join(Invite, Invite.id == ConsentOffer.invite_id)
            .where(ConsentOffer.chat_id == chat_id))).first()
        if found is None:
            return None
        return OfferedInvite(invite_id=found[0], code_hash=found[1], language=found[2],
                             offered_at=found[3])

    async def close(self, chat_id: int) -> None:
        """The question is answered for good (accepted) or the chat is erased."""
        await self._session.execute(delete(ConsentOffer).where(ConsentOffer.chat_id == chat_id))
