"""The one PTB JobQueue adapter: delivery timers (a poll tick plus a one-shot job at the next
due time), the daily staff digest and the daily retention run. Timers only: what must be
sent lives in the outbox."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import CallbackContext, JobQueue

from jobs import digest, retention, unconfirmed
from jobs.delivery import DeliveryWorker
from services import staff_notices
from services.context import AppContext

log = logging.getLogger(__name__)

TICK_JOB = "delivery-tick"
NEXT_JOB = "delivery-next"


class DeliveryJobs:
    """Runs delivery passes from the JobQueue; the JobQueue is only a timer, never a record.

    A repeating tick every `poll_seconds` picks up rows other processes wrote; after each
    pass a single `delivery-next` job is (re)scheduled for the next due time when that
    comes sooner than the tick. Passes never overlap: a tick that finds one running asks
    for another pass right after it instead of waiting in line.
    """

    def __init__(
        self, job_queue: JobQueue[Any], worker: DeliveryWorker, poll_seconds: float
    ) -> None:
        self.job_queue = job_queue
        self.worker = worker
        self.poll_seconds = poll_seconds
        self._again = False

    async def tick(self, _context: CallbackContext[Any, Any, Any, Any] | None = None) -> None:
        if self.worker.busy:
            self._again = True
            return
        try:
            next_due = await self.worker.run_once()
        except Exception as error:  # the next tick retries; the outbox still has every row
            log.warning("delivery pass failed: %s", type(error).__name__)
            return
        if self._again:
            self._again = False
            next_due = self.worker.clock.now()
        self.schedule(next_due)

    def schedule(self, when: datetime | None) -> None:
        """Replace the one-shot job with one at `when` (none if the tick comes first)."""
        for job in self.job_queue.get_jobs_by_name(NEXT_JOB):
            job.schedule_removal()
        if when is None:
            return
        delay = max(0.01, (when - self.worker.clock.now()).total_seconds())
        if delay >= self.poll_seconds:
            return
        self.job_queue.run_once(self.tick, when=delay, name=NEXT_JOB)

    def wake(self) -> None:
        """Something just became due (e.g. consent): a pass now, or right after this one."""
        if self.worker.busy:
            self._again = True
            return
        self.schedule(self.worker.clock.now())


def install_delivery_jobs(
    job_queue: JobQueue[Any], worker: DeliveryWorker, poll_seconds: float
) -> DeliveryJobs:
    """Register the delivery tick (first pass at once) and hook `worker.wake()` to it."""
    jobs = DeliveryJobs(job_queue, worker, poll_seconds)
    # `first=0` on a repeating job can be computed as already past and skipped to the
    # next interval; the first pass is a one-shot job instead.
    job_queue.run_repeating(jobs.tick, interval=poll_seconds, first=poll_seconds,
                            name=TICK_JOB)
    job_queue.run_once(jobs.tick, when=0.01, name=NEXT_JOB)
    worker.on_wake(jobs.wake)
    return jobs


def install_digest_job(job_queue: JobQueue[Any], ctx: AppContext) -> None:
    """Queue the digest daily at 09:00 clinic time (only the bot process runs it)."""
    chat_id = ctx.settings.staff.staff_chat()
    if chat_id is None:
        log.warning("event=staff_digest_off reason=no_alert_chat_or_admin")
        return

    async def run(_context: CallbackContext[Any, Any, Any, Any]) -> None:
        async def post(chat: int, text: str) -> None:
            # Through the outbox, paced with the group's other posts (red flags first).
            await staff_notices.queue_digest(ctx, chat, text, ctx.clock.now())

        try:
            await digest.send_digest(
                ctx.sessions, post, chat_id, ctx.clock.now(),
                nudge=timedelta(hours=ctx.settings.invites.nudge_hours))
        except Exception as error:  # a missed digest is not worth crashing the bot
            log.warning("event=staff_digest_failed error=%s", type(error).__name__)

    job_queue.run_daily(run, time=digest.RUN_AT.replace(tzinfo=ctx.zone), name=digest.JOB_NAME)


def install_unconfirmed_job(job_queue: JobQueue[Any], ctx: AppContext) -> None:
    """The evening list of tomorrow's unconfirmed sessions, daily at 18:00 clinic time,
    queued in the outbox (only the bot process runs it; the bookings are the record)."""
    chat_id = ctx.settings.staff.staff_chat()
    if chat_id is None:
        return

    async def run(_context: CallbackContext[Any, Any, Any, Any]) -> None:
        try:
            if await unconfirmed.queue_unconfirmed(ctx.sessions, chat_id=chat_id,
                                                   now=ctx.clock.now(), zone=ctx.zone):
                ctx.wake_delivery()
        except Exception as error:  # tomorrow's sessions are on Today anyway
            log.warning("event=unconfirmed_sessions_failed error=%s", type(error).__name__)

    job_queue.run_daily(run, time=unconfirmed.RUN_AT.replace(tzinfo=ctx.zone),
                        name=unconfirmed.JOB_NAME)


def install_retention_job(job_queue: JobQueue[Any], ctx: AppContext) -> None:
    """Run retention daily at 03:30 clinic time, and once shortly after start-up."""

    async def run(_context: CallbackContext[Any, Any, Any, Any]) -> None:
        try:
            await retention.apply_retention(
                ctx.sessions,
                days=ctx.settings.retention.days,
                now=ctx.clock.now(),
                staff_ids=ctx.settings.staff.admin_ids,
                audit_days=ctx.settings.retention.audit_days,
            )
        except Exception as error:  # tomorrow's run tries again; nothing is half-erased
            log.warning("event=retention_failed error=%s", type(error).__name__)

    job_queue.run_daily(
        run, time=retention.RUN_AT.replace(tzinfo=ctx.zone), name=retention.JOB_NAME
    )
    job_queue.run_once(run, when=60, name=f"{retention.JOB_NAME}-startup")
