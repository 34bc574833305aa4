"""The evening list: tomorrow's booked sessions the patient has not confirmed, as one post in
the staff chat at 18:00 clinic time (through the outbox, paced like every staff post), so
someone can call them (a staff notice of no one patient, like the digest). Ids and times
only: never names."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import require_aware
from core.local_time import resolve_local
from core.statuses import BookingStatus, MessageKind
from core.texts.alerts import compose_unconfirmed
from storage.repositories.bookings import BookingRepository
from storage.repositories.escalations import EscalationRepository

log = logging.getLogger(__name__)

JOB_NAME = "unconfirmed-sessions"
RUN_AT = time(18, 0)  # clinic time: the evening before
UNCONFIRMED = frozenset({BookingStatus.BOOKED, BookingStatus.CHANGE_REQUESTED})


def tomorrow(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The clinic's next day as [start, end) instants."""
    day = now.astimezone(zone).date() + timedelta(days=1)
    return (resolve_local(datetime.combine(day, time(0, 0)), zone),
            resolve_local(datetime.combine(day + timedelta(days=1), time(0, 0)), zone))


async def queue_unconfirmed(
    sessions: async_sessionmaker[AsyncSession], *, chat_id: int, now: datetime,
    zone: ZoneInfo,
) -> int:
    """Queue the evening list for `chat_id` when some of tomorrow's sessions are not
    confirmed; returns how many it lists (0: nothing queued)."""
    require_aware(now, "now")
    start, end = tomorrow(now, zone)
    async with sessions() as session, session.begin():
        bookings = BookingRepository(session)
        booked = await bookings.between(start, end)
        silent = [b for b in booked if b.status in UNCONFIRMED]
        if not silent:
            return 0
        text = compose_unconfirmed(
            day=start.astimezone(zone).strftime("%a %d %b"), total=len(booked),
            rows=[(b.patient_id, b.starts_at.astimezone(zone).strftime("%H:%M"),
                   b.status == BookingStatus.CHANGE_REQUESTED) for b in silent],
        )
        await EscalationRepository(session).enqueue_post(
            kind=MessageKind.NOTICE, chat_id=chat_id, text=text, now=now, case_id=None,
            about_patient_id=None,
        )
    log.info("event=unconfirmed_sessions listed=%d of=%d", len(silent), len(booked))
    return len(silent)
