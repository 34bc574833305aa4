"""Staff by name: the bot notes the Telegram name and @username of staff (and of people
in the staff chat or asking /myid, who may become staff) as they write or press a button;
cards, Today, /cases and /staff list show names, and `/staff add @username` finds
someone the bot has seen. Patients' Telegram names are never noted (staff label them)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from core.records import TelegramUserRecord
from core.texts.staff import person
from services.context import AppContext
from storage.repositories import Repositories, Store

# A name this process wrote is written again only when it changed or after this long (so
# the seen time stays fresh enough for retention without a write per message).
REFRESH = timedelta(hours=12)


async def note_user(ctx: AppContext, *, user_id: int, name: str, username: str | None,
                    now: datetime) -> None:
    """Remember how Telegram calls this user now (at most one write per REFRESH unless
    the name or @username changed)."""
    name = " ".join(name.split())
    known = ctx.names.get(user_id)
    if known is not None and known[:2] == (name, username) and now - known[2] < REFRESH:
        return
    async with Store(ctx.sessions) as store:
        await store.telegram_users.seen(user_id, name, username, now)
    ctx.names[user_id] = (name, username, now)


async def display_names(store: Repositories, user_ids: Iterable[int | None]
                        ) -> dict[int, str]:
    """How each of these users is shown ("Anita (@anita_k)"), for those the bot has seen."""
    found = await store.telegram_users.many([u for u in user_ids if u is not None])
    return {user_id: shown for user_id, seen in found.items()
            if (shown := person(seen.name, seen.username))}


async def names_for(ctx: AppContext, user_ids: Iterable[int | None]) -> dict[int, str]:
    async with Store(ctx.sessions) as store:
        return await display_names(store, user_ids)


async def find_username(ctx: AppContext, username: str) -> TelegramUserRecord | None:
    """The user last seen with this @username (any case), or None if never seen."""
    async with Store(ctx.sessions) as store:
        return await store.telegram_users.by_username(username)
