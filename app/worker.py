"""The stand-alone delivery worker behind `python run_bot.py worker`: settings to a running
delivery loop (no update handling)."""

from __future__ import annotations

import asyncio
import gc
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from app.settings import Settings
from core.clock import Clock
from jobs.alerts import FailureAlerts
from jobs.delivery import DeliveryWorker
from jobs.pacing import PacingPolicy
from jobs.runner import run_worker
from jobs.sender import Sender
from services.cases import ladder_policy
from storage.database import create_engine, migrate_async
from storage.outbox import Outbox

log = logging.getLogger(__name__)


async def run_delivery_forever(
    settings: Settings,
    *,
    sender: Sender,
    clock: Clock,
    stop_event: asyncio.Event,
    engine: AsyncEngine | None = None,
    migrate: bool = True,
    policy: PacingPolicy | None = None,
) -> DeliveryWorker:
    """Deliver until `stop_event` is set; survives database outages. Returns the worker."""
    own_engine = engine is None
    engine = engine or create_engine(settings.database.url)
    try:
        if migrate:
            await migrate_async(engine)
        worker = DeliveryWorker(
            outbox=Outbox(engine, ladder=ladder_policy(settings),
                          staff_chat=settings.staff.staff_chat()),
            sender=sender,
            settings=settings.delivery,
            clock=clock,
            clinic_timezone=settings.clinic.timezone,
            alerts=FailureAlerts(chat_id=settings.staff.staff_chat()),
            policy=policy,
        )
        # Start-up objects (modules, settings, the ORM) never die: freezing them keeps full
        # collections short, and a long pause would bunch sends past the rate limit.
        gc.collect()
        gc.freeze()
        log.info("delivery worker %s started", worker.owner)
        await run_worker(worker, poll_seconds=settings.delivery.poll_seconds,
                         stop_event=stop_event)
        log.info("delivery worker %s stopped", worker.owner)
        return worker
    finally:
        if own_engine:
            await engine.dispose()
