"""60 cases opened within a minute reach the staff group paced under Telegram's group
limit: no 429, nothing lost, in order (acceptance 4 of the staff-inbox issue).

Real time, scaled down: the fake API enforces 20 messages per 2 s in a group (Telegram's
20 per minute, 30x faster), and the bot is told the group takes 600 a minute (the same
ratio); the clock the bot reads follows real time, because pacing waits for real slots.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from testkit.fakes.bot_api import FakeBotApi
from tests.e2e.harness import ALERT_CHAT_ID, BotEnv, running_bot

pytestmark = pytest.mark.slow  # a minute of scaled real time

CASES = 60
WINDOW = 2.0  # seconds: the fake's group window (Telegram: 60)


def _limits(api: FakeBotApi) -> None:
    api.group(ALERT_CHAT_ID, "Clinic staff")
    api.limits.per_group_per_minute = 20
    api.limits.group_window_seconds = WINDOW


async def _patients(env: BotEnv, count: int, *, first_id: int) -> list[Any]:
    """`count` joined patients labelled P0, P1, ...; their first reminders already out."""
    users = []
    for n in range(count):
        invite = await env.invite(label=f"P{n}")
        user = env.patient(first_id + n)
        await env.activate(invite, user)
        users.append(user)
    await env.deliver()  # the first reminders go out before the storm
    return users


async def _follow_real_time(env: BotEnv) -> None:
    last = time.monotonic()
    while True:
        await asyncio.sleep(0.005)
        now = time.monotonic()
        env.clock.advance(timedelta(seconds=now - last))
        last = now


async def test_sixty_cases_in_a_minute_are_paced_not_lost(tmp_path: Path) -> None:
    async with running_bot(
        f"sqlite+aiosqlite:///{tmp_path / 'storm.db'}",
        configure_api=_limits,
        settings_extra={"delivery": {"group_per_minute": 600, "poll_seconds": 1}},
    ) as env:
        ticking = asyncio.create_task(_follow_real_time(env))
        try:
            users = await _patients(env, CASES, first_id=8000)
            before = len(env.sent_to(ALERT_CHAT_ID))
            started = time.monotonic()
            await asyncio.gather(*(
                user.send(f"Is my parrot allowed in the waiting room & the lift? No. {n}")
                for n, user in enumerate(users)
            ))
            deadline = started + 60
            while len(env.sent_to(ALERT_CHAT_ID)) < before + CASES:
                assert time.monotonic() < deadline, (
                    f"only {len(env.sent_to(ALERT_CHAT_ID)) - before} of {CASES} cards")
                await asyncio.sleep(0.05)
            took = time.monotonic() - started
            await env.ctx.delivery.settle()  # the last cards' outcomes are recorded
        finally:
            ticking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticking
        cards = env.sent_to(ALERT_CHAT_ID)[before:]
        assert env.api.stats.too_many_requests == 0
        assert env.api.stats.max_in_window(ALERT_CHAT_ID, WINDOW) <= 20
        numbers = {int(m.visible.split("No. ")[1].split()[0]) for m in cards}
        assert numbers == set(range(CASES))  # every case, once
        async with env.db() as db:
            cases = await db.escalations.list_open(500)
        assert len(cases) == CASES and all(c.alert_message_id is not None for c in cases)
        # Paced, not merged: 60 posts at 20 per window take at least two more windows.
        assert took >= 2 * WINDOW


async def test_forum_storm_red_flags_first_each_in_its_topic(tmp_path: Path) -> None:
    """A forum staff chat: 10 questions queue for the group, then 10 red flags arrive at
    once. Each patient's topic is made by delivery at the group's pace, each card lands in
    its patient's topic, and the red flags' cards overtake the questions still queued."""

    def forum(api: FakeBotApi) -> None:
        _limits(api)
        api.group(ALERT_CHAT_ID, "Clinic staff", forum=True)

    def cards_of(env: BotEnv, before: int) -> list[Any]:
        return [m for m in env.sent_to(ALERT_CHAT_ID)[before:] if "ticket " in m.visible]

    async with running_bot(
        f"sqlite+aiosqlite:///{tmp_path / 'forum.db'}",
        configure_api=forum,
        # 4 a second: two operations (topic, card) per patient, so the questions queue.
        settings_extra={"delivery": {"group_per_minute": 240, "poll_seconds": 1}},
    ) as env:
        ticking = asyncio.create_task(_follow_real_time(env))
        try:
            users = await _patients(env, 20, first_id=8100)
            before = len(env.sent_to(ALERT_CHAT_ID))
            await asyncio.gather(*(
                user.send(f"Is my parrot allowed in the waiting room? ticket {n}")
                for n, user in enumerate(users[:10])))
            deadline = time.monotonic() + 60
            while not cards_of(env, before):
                assert time.monotonic() < deadline, "no question's card"
                await asyncio.sleep(0.02)
            await asyncio.gather(*(
                user.send(f"I have a high fever and there is pus since today, ticket {n + 10}")
                for n, user in enumerate(users[10:])))
            # The moment every red flag's case (and its posts, in the same transaction) is
            # stored: how fast the bot reads ten messages is the machine's business, what
            # delivery does with them once they are queued is the product's.
            while True:
                async with env.db() as db:
                    if await db.escalations.count_open() >= 20:
                        break
                assert time.monotonic() < deadline, "not every case was stored"
                await asyncio.sleep(0.01)
            all_in = len(cards_of(env, before))
            while len(cards_of(env, before)) < 20:
                assert time.monotonic() < deadline, "not every card arrived"
                await asyncio.sleep(0.05)
            await env.ctx.delivery.settle()
        finally:
            ticking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticking
        cards = cards_of(env, before)
        order = [int(m.visible.split("ticket ")[1].split()[0]) for m in cards]
        assert sorted(order) == list(range(20))
        assert env.api.stats.too_many_requests == 0
        topics = {t.name.split(" · ")[1]: t.message_thread_id
                  for t in env.api.topics(ALERT_CHAT_ID)}
        assert len(topics) == 20
        for number, card in zip(order, cards, strict=True):
            assert card.message_thread_id == topics[f"P{number}"]
        # Once every red flag is queued, the red flags overtake the questions still queued:
        # in id order (first come, first served) every red flag would follow all of them.
        # Not every one of them: a question whose topic is made holds its slot, and a
        # question's card fills a slot while a red flag's card waits for its new topic (how
        # many depends on how fast this machine answers). Most still come last.
        after = order[all_in:]
        queued = [place for place, n in enumerate(after) if n < 10]
        red_flags = [place for place, n in enumerate(after) if n >= 10]
        assert len(queued) >= 3, (
            f"{order}: the questions were out before the red flags were stored "
            f"(after {all_in} cards), nothing was left to overtake")
        last_red_flag = max(red_flags, default=-1)
        overtaken = [place for place in queued if place > last_red_flag]
        assert 2 * len(overtaken) >= len(queued), (
            f"{order}: all red flags stored after {all_in} cards")
        if red_flags:
            assert sum(red_flags) / len(red_flags) < sum(queued) / len(queued), f"{order}"
