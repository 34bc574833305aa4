"""The stand-alone delivery loop behind `python run_bot.py worker` (no update handling)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from app.settings import Settings
from core.clock import Clock
from jobs.alerts import FailureAlerts
from jobs.delivery import DeliveryWorker
from jobs.pacing import PacingPolicy
from jobs.sender import Sender
from storage.database import create_engine, migrate_async
from storage.outbox import Outbox

log = logging.getLogger(__name__)

MAX_ERROR_PAUSE = 10.0


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
            outbox=Outbox(engine),
            sender=sender,
            settings=settings.delivery,
            clock=clock,
            clinic_timezone=settings.clinic.timezone,
            alerts=FailureAlerts(chat_id=settings.staff.alert_chat_id),
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


async def run_worker(
    worker: DeliveryWorker, *, poll_seconds: float, stop_event: asyncio.Event
) -> None:
    """Pass after pass: at the next due time, on `wake()`, or every `poll_seconds` at most.

    A failed pass (database restarting, network) is logged and retried with a growing
    pause; outcomes it could not write stay with the worker and are written first.
    """
    failures = 0
    while not stop_event.is_set():
        try:
            next_due = await worker.run_once()
        except Exception as error:  # keep delivering once the cause goes away
            failures += 1
            pause = min(MAX_ERROR_PAUSE, poll_seconds, 0.1 * 2 ** min(failures, 10))
            log.warning("delivery pass failed (%s); retrying in %.1f s",
                        type(error).__name__, pause)
            await _wait(stop_event, worker.wake_event, pause)
            continue
        failures = 0
        delay = poll_seconds
        if next_due is not None:
            delay = min(delay, max(0.0, (next_due - worker.clock.now()).total_seconds()))
        if delay > 0:
            await _wait(stop_event, worker.wake_event, delay)
    try:
        await worker.close()
    except Exception as error:  # the database is gone: those leases will run out instead
        log.warning("delivery: outcomes not recorded at stop (%s)", type(error).__name__)


async def _wait(stop: asyncio.Event, wake: asyncio.Event, seconds: float) -> None:
    """Sleep up to `seconds`, ending early when stopped or woken."""
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiter
