"""Fuzz (issue 3, acceptance 2): any text through the running bot raises nothing and every
reply fits Telegram's limits (the fake Bot API answers 400 to >4096 chars or bad HTML)."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.harness import ALERT_CHAT_ID, BotEnv
from tests.e2e.test_patient_inbox import joined

COMMANDS = (
    "start", "help", "plan", "faq", "language", "timezone", "stop", "forget",
    "patients", "patient", "enroll", "cancel", "reschedule", "stats", "staff", "nonsense",
)
HOSTILE = (
    "<b>", "</i>", "&amp;", "&", "<script>alert(1)</script>", "a & b < c > d", "<a href='x'>",
    "<blockquote>", "&#0;", "\x00", "\u200b", "\u202e", "🧴💉🔥", "ज़्यादा दर्द", "   \t ",
)

texts = st.one_of(
    st.text(min_size=1, max_size=300),
    st.sampled_from(HOSTILE),
    st.builds(lambda a, b, c: a + b + c, st.text(max_size=40), st.sampled_from(HOSTILE),
              st.text(max_size=40)),
    # Long input: up to 10,000 characters (Telegram itself caps incoming text at 4,096).
    st.builds(lambda unit, size: (unit * size)[:size], st.text(min_size=1, max_size=12),
              st.integers(min_value=3000, max_value=10_000)),
    st.builds(lambda name, junk: f"/{name} {junk}", st.sampled_from(COMMANDS),
              st.one_of(st.text(max_size=80), st.sampled_from(HOSTILE))),
    st.builds(lambda name, junk: f"/{name}{junk}", st.sampled_from(COMMANDS),
              st.sampled_from(HOSTILE)),
)


def handler_errors(env: BotEnv) -> int:
    """Exceptions that reached the application's error handler (it logs each one)."""
    return sum(1 for line in env.logs.lines if "error while handling update" in line)


async def reply_or_timeout(env: BotEnv, user: Any, text: str) -> None:
    before = len(env.sent_to(user.id))
    await user.send(text)
    for _ in range(300):
        if len(env.sent_to(user.id)) > before:
            return
        await asyncio.sleep(0.01)


async def test_fuzzed_text_breaks_nothing(bot_env: BotEnv) -> None:
    """60 generated messages from a stranger, an English and a Hindi patient: no handler
    exception, no 400 from the Bot API, every message within 4,096 characters."""
    patient_en = await joined(bot_env, 8001)
    patient_hi = await joined(bot_env, 8002, language_code="hi")
    stranger = bot_env.patient(8003)
    # Hand-offs alert the staff group, which Telegram (and our rate limiter) lets take
    # 20 messages a minute: patients get a quarter of the examples each.
    senders = st.sampled_from([stranger, stranger, patient_en, patient_hi])

    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(text=texts, user=senders)
    def run(text: str, user: Any) -> None:
        future = asyncio.run_coroutine_threadsafe(reply_or_timeout(bot_env, user, text), loop)
        future.result(timeout=60)

    loop = asyncio.get_running_loop()
    # Hypothesis drives synchronously; run it in a thread so the bot keeps running here.
    await asyncio.to_thread(run)
    await bot_env.settle(0.5)
    assert handler_errors(bot_env) == 0, bot_env.logs.text()[-2000:]
    assert bot_env.api.stats.errors.get(400, 0) == 0
    for chat_id in (patient_en.id, patient_hi.id, stranger.id, ALERT_CHAT_ID):
        for message in bot_env.sent_to(chat_id):
            assert len(message.text or message.caption or "") <= 4096
