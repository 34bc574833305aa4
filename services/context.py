"""AppContext: the services one running bot shares, built once at start-up."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from core.throttle import Throttle

# How often one person who is not staff is told so in a group chat (services/staff_notices).
REFUSAL_INTERVAL = timedelta(minutes=1)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from core.clock import Clock
    from core.content import Content
    from core.faq import FaqIndex
    from core.triage import Triage
    from services.config import ServiceSettings


class FileUnavailable(Exception):
    """Telegram would not give a file (unknown or expired id, too large, unreachable)."""


class FileSource(Protocol):
    """Files patients sent, fetched from Telegram on demand (the bot edge provides it:
    bot/telegram_files.py): nothing is written to disk, the bytes are streamed on."""

    def stream(self, file_id: str) -> AsyncGenerator[bytes, None]:
        """The file's bytes, chunk by chunk; raises FileUnavailable before the first."""
        ...


class Delivery(Protocol):
    """What a service needs of the delivery worker (jobs.delivery.DeliveryWorker)."""

    def wake(self) -> None:
        """Look for due messages now (something was just queued)."""

    async def close(self) -> None:
        """Finish the sends in flight and write every outcome."""


@dataclass(kw_only=True)
class StaffRoster:
    """The staff members' ids as last read (services.access.is_staff): a patient's
    message is told "not staff" without a database read. Only a "no" is taken from it; a
    "yes" is confirmed in the database, so a removal counts at once everywhere."""

    ids: frozenset[int] = frozenset()
    read_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class AppContext:
    """Everything a handler or service needs; lives in `application.bot_data["ctx"]`.

    Frozen so that no handler swaps a service under another's feet; the only state that
    changes lives in the database, but for the staff roster's and names' short-lived
    copies and the memory of recent refusals and albums.
    """

    settings: ServiceSettings
    content: Content
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    faq: FaqIndex
    triage: Triage
    # The delivery worker (None: a process without one, e.g. `check` or the console alone).
    delivery: Delivery | None
    bot_username: str
    roster: StaffRoster = field(default_factory=StaffRoster, compare=False)
    # Patients' photos from Telegram, for the console (None: no bot in this process).
    files: FileSource | None = field(default=None, compare=False)
    # The names this process last noted per user (services.staff_directory): name,
    # @username, when; a cache of what is in the database, never the record.
    names: dict[int, tuple[str, str | None, datetime]] = field(default_factory=dict,
                                                               compare=False)
    # Refusals posted in group chats, per chat and person: at most one per REFUSAL_INTERVAL.
    refusals: Throttle = field(default_factory=lambda: Throttle(REFUSAL_INTERVAL),
                               compare=False)
    # Albums seen, per chat and media_group_id: the first message is answered and opens
    # the album's copy, the others join it quietly (services/inbox_media.py).
    albums: Throttle = field(default_factory=lambda: Throttle(timedelta(minutes=1)),
                             compare=False)

    @property
    def zone(self) -> ZoneInfo:
        """The clinic's zone: the default patient zone and the zone staff type times in."""
        return self.settings.clinic.zone

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.staff.admin_ids

    def wake_delivery(self) -> None:
        """Ask delivery to look for due messages now (no-op when there is no worker)."""
        if self.delivery is not None:
            self.delivery.wake()
