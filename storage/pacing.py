"""Shared send-pacing state in the database: global slots, per-chat holds, 429 pauses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import ChatPacing, DeliveryPacing
from storage.outbox import write_transaction

PACING = cast(Table, DeliveryPacing.__table__)
CHATS = cast(Table, ChatPacing.__table__)
GLOBAL_PACING = "global"


@dataclass(frozen=True, kw_only=True)
class SlotGrant:
    """Send slots reserved in one transaction: `start` + i * interval for the i-th granted chat."""

    start: float
    interval: float
    granted: tuple[int, ...]  # chat ids, in slot order
    deferred: Mapping[int, float]  # chat id -> epoch seconds the chat is free again
    holds: Mapping[int, float]  # granted chat id -> the next_allowed we wrote for it


class PacingStore:
    """The `delivery_pacing` row and `chat_pacing` table every delivery process shares.

    Times are epoch seconds (floats), compared across processes and hosts: keep clocks
    in sync (NTP), as Telegram's own limits assume anyway.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"

    async def ensure_pacing_row(self) -> None:
        """Create the shared global pacing row if it is missing (idempotent, race-safe)."""
        dialect_insert = postgresql.insert if not self._sqlite else sqlite.insert
        async with write_transaction(self._engine) as conn:
            await conn.execute(
                dialect_insert(PACING)
                .values(name=GLOBAL_PACING, next_slot=0.0, paused_until=0.0)
                .on_conflict_do_nothing(index_elements=[PACING.c.name])
            )

    async def paused_until(self) -> float:
        """Epoch seconds until which every process must hold off (a 429's retry_after)."""
        async with self._engine.connect() as conn:
            value = await conn.scalar(
                select(PACING.c.paused_until).where(PACING.c.name == GLOBAL_PACING)
            )
        return float(value or 0.0)

    async def pause(self, until: float) -> None:
        """Hold off every process until `until` (epoch seconds); never shortens a pause."""
        p = PACING
        async with write_transaction(self._engine) as conn:
            await conn.execute(
                update(p)
                .where(p.c.name == GLOBAL_PACING, p.c.paused_until < until)
                .values(paused_until=until)
            )

    async def push_next_slot(self, until: float) -> None:
        """Move the next free global slot to at least `until` (epoch seconds)."""
        p = PACING
        async with write_transaction(self._engine) as conn:
            await conn.execute(
                update(p)
                .where(p.c.name == GLOBAL_PACING, p.c.next_slot < until)
                .values(next_slot=until)
            )

    async def reserve_slots(
        self, *, chat_ids: Sequence[int], now: float, interval: float, per_chat: float,
        per_group: float | None = None,
    ) -> SlotGrant:
        """Reserve one global send slot per chat whose own pacing allows a send now.

        In one transaction: lock the global row, take `start` = max(next_slot, now, pause),
        claim each chat in `chat_pacing` only if it is free by `start` (an upsert whose
        RETURNING lists the chats it got), then advance next_slot past the granted slots.
        Group chats (negative ids) are held `per_group` seconds when given (Telegram allows
        about 20 messages a minute in a group), private chats `per_chat`; a chat held 0 s
        is granted without a row. `chat_ids` must be distinct. Times are epoch seconds.
        """
        p, c = PACING, CHATS
        async with write_transaction(self._engine) as conn:
            row = (
                await conn.execute(
                    select(p.c.next_slot, p.c.paused_until)
                    .where(p.c.name == GLOBAL_PACING)
                    .with_for_update()
                )
            ).one()
            start = max(float(row.next_slot), now, float(row.paused_until))
            granted: list[int] = list(chat_ids)
            deferred: dict[int, float] = {}
            holds: dict[int, float] = {}
            def spacing(chat: int) -> float:
                return per_group if chat < 0 and per_group is not None else per_chat

            held = [chat for chat in chat_ids if spacing(chat) > 0]
            if held:
                # i-th tentative slot + spacing: an upper bound of the real slot, since
                # refusals only move later chats to earlier slots.
                wanted = {chat: start + i * interval + spacing(chat)
                          for i, chat in enumerate(chat_ids) if spacing(chat) > 0}
                dialect_insert = sqlite.insert if self._sqlite else postgresql.insert
                stmt = dialect_insert(c).values(
                    [{"chat_id": chat, "next_allowed": value} for chat, value in wanted.items()]
                )
                stmt = stmt.on_conflict_do_update(
                    index_elements=[c.c.chat_id],
                    set_={"next_allowed": stmt.excluded.next_allowed},
                    where=c.c.next_allowed <= literal(start),
                )
                got = set((await conn.execute(stmt.returning(c.c.chat_id))).scalars())
                granted = [chat for chat in chat_ids if chat in got or chat not in wanted]
                holds = {chat: wanted[chat] for chat in granted if chat in wanted}
                refused = [chat for chat in held if chat not in got]
                if refused:
                    result = await conn.execute(
                        select(c.c.chat_id, c.c.next_allowed).where(c.c.chat_id.in_(refused))
                    )
                    deferred = {r.chat_id: float(r.next_allowed) for r in result}
            await conn.execute(
                update(p)
                .where(p.c.name == GLOBAL_PACING)
                .values(next_slot=start + len(granted) * interval)
            )
        return SlotGrant(
            start=start, interval=interval, granted=tuple(granted), deferred=deferred,
            holds=holds,
        )

    async def unhold_chats(self, *, holds: Mapping[int, float], free_at: float) -> None:
        """Give back chat reservations that were not used (only if still ours, unchanged).

        `free_at` (the grant's start) is safe: the reservation was only granted because the
        chat was already free by then.
        """
        c = CHATS
        async with write_transaction(self._engine) as conn:
            await conn.execute(
                update(c)
                .where(c.c.chat_id == bindparam("b_chat"), c.c.next_allowed == bindparam("b_held"))
                .values(next_allowed=free_at),
                [{"b_chat": chat, "b_held": held} for chat, held in holds.items()],
            )
