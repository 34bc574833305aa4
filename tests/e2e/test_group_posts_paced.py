"""Everything the bot posts to a group goes through the paced outbox: refusals to someone who
is not staff (at most one a minute each), the digest. A stranger typing in a patient's topic
cannot jam the staff group: no 429, and another patient's red flag arrives in its normal
time. Real time, scaled down as in tests/slow/test_staff_group_pacing.py: the fake allows
20 posts per 2 s in a group and the bot is told the group takes 600 a minute."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import timedelta

from sqlalchemy import select

from jobs.digest import JOB_NAME as DIGEST
from storage.models import ScheduledMessage
from testkit.fakes.bot_api import FakeBotApi
from tests.e2e.harness import ALERT_CHAT_ID, BotEnv, running_bot
from tests.e2e.test_staff_topics import topic_of

WINDOW = 2.0  # seconds: the fake's group window (Telegram: 60)
LINES = 40


def _paced_forum(api: FakeBotApi) -> None:
    api.group(ALERT_CHAT_ID, "Clinic staff", forum=True)
    api.limits.per_group_per_minute = 20
    api.limits.group_window_seconds = WINDOW


async def _follow_real_time(env: BotEnv) -> None:
    last = time.monotonic()
    while True:
        await asyncio.sleep(0.005)
        now = time.monotonic()
        env.clock.advance(timedelta(seconds=now - last))
        last = now


async def test_a_stranger_in_a_topic_gets_one_refusal_and_jams_nothing(
    any_database_url: str,
) -> None:
    """40 lines from a group member who is not staff, written in a patient's topic, cost
    one refusal (not 40), no 429 from Telegram; a red flag another patient sends meanwhile
    reaches the staff chat within a group slot or two, as it would without them."""
    async with running_bot(
        any_database_url, configure_api=_paced_forum,
        settings_extra={"delivery": {"group_per_minute": 600, "poll_seconds": 1}},
    ) as env:
        ticking = asyncio.create_task(_follow_real_time(env))
        try:
            first, second = env.patient(6301), env.patient(6302)
            for user, label in ((first, "P1"), (second, "P2")):
                await env.activate(await env.invite(label=label), user)
            await env.deliver()
            await first.send("Is my parrot allowed in the waiting room?")
            thread = await topic_of(env, 1)
            before = len(env.sent_to(ALERT_CHAT_ID))
            stranger = env.user(7777, first_name="Visitor")
            for n in range(LINES // 2):
                await stranger.send(f"line {n}", chat_id=ALERT_CHAT_ID, thread_id=thread)
            sent_at = time.monotonic()
            await second.send("I have a high fever and there is pus since today")
            for n in range(LINES // 2, LINES):
                await stranger.send(f"line {n}", chat_id=ALERT_CHAT_ID, thread_id=thread)
            while not any("high fever" in m.visible for m in env.sent_to(ALERT_CHAT_ID)):
                assert time.monotonic() - sent_at < 30, "the red flag's card never came"
                await asyncio.sleep(0.01)
            took = time.monotonic() - sent_at
            for _ in range(300):  # every line was handled, every refusal queued is out
                async with env.db() as db:
                    refused = len(await db.audit.list(action="relay", limit=500))
                async with env.ctx.sessions() as session:
                    queued = await session.scalar(select(ScheduledMessage.id).where(
                        ScheduledMessage.status.in_(("pending", "sending")),
                        ScheduledMessage.available_at <= env.clock.now() + timedelta(
                            seconds=WINDOW),  # not the ladder's re-alert in 10 min
                        ScheduledMessage.chat_id == ALERT_CHAT_ID).limit(1))
                if refused == LINES and queued is None:
                    break
                await asyncio.sleep(0.02)
            await env.ctx.delivery.settle()
        finally:
            ticking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticking
        refusals = [m for m in env.sent_to(ALERT_CHAT_ID)[before:]
                    if "Only clinic staff" in m.visible]
        assert refused == LINES  # each line refused and audited ...
        assert len(refusals) == 1  # ... but told once a minute
        assert env.api.stats.too_many_requests == 0
        assert took < WINDOW, f"the red flag's card took {took:.2f} s"


async def test_the_digest_goes_through_the_outbox(bot_env: BotEnv) -> None:
    """The 09:00 digest is queued in the outbox (kind notice) and sent by delivery, paced
    with the group's other posts, instead of being posted past the pacing."""
    [job] = bot_env.app.job_queue.get_jobs_by_name(DIGEST)  # type: ignore[union-attr]
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    await job.run(bot_env.app)
    [digest] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    assert "Daily digest" in digest.visible
    await bot_env.recorded(digest)
    async with bot_env.ctx.sessions() as session:
        row = (await session.execute(
            select(ScheduledMessage.kind, ScheduledMessage.status)
            .where(ScheduledMessage.telegram_message_id == digest.message_id,
                   ScheduledMessage.chat_id == ALERT_CHAT_ID))).one()
    assert (row.kind, row.status) == ("notice", "sent")
