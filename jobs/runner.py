"""The delivery loop: pass after pass until stopped (`python run_bot.py worker` runs it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from jobs.delivery import DeliveryWorker

log = logging.getLogger(__name__)

MAX_ERROR_PAUSE = 10.0


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
