"""The daily staff digest at 09:00 clinic time: counts and patient ids, never names or texts."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import require_aware
from core.texts.alerts import compose_digest
from storage.reports import Digest, digest

log = logging.getLogger(__name__)

JOB_NAME = "staff-digest"
RUN_AT = time(9, 0)  # clinic time
WINDOW = timedelta(hours=24)

Post = Callable[[int, str], Awaitable[Any]]


async def send_digest(
    sessions: async_sessionmaker[AsyncSession], post: Post, chat_id: int, now: datetime,
    *, nudge: timedelta | None = None,
) -> Digest:
    """Build the last 24 hours' digest and post it to `chat_id`; with `nudge`
    (invites.nudge_hours), it lists who was invited that long ago and has not joined."""
    require_aware(now, "now")
    async with sessions() as session, session.begin():
        report = await digest(session, now - WINDOW,
                              nudge_before=None if nudge is None else now - nudge)
    await post(chat_id, compose_digest(report))
    log.info(
        "event=staff_digest enrollments=%d open_escalations=%d failed=%d opt_outs=%d",
        len(report.new_enrollments), len(report.open_escalations),
        len(report.failed_messages), len(report.opt_outs),
    )
    return report
