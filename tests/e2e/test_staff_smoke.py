"""Smoke: the real application starts against the fake API and answers over HTTP."""

from __future__ import annotations

from tests.e2e.harness import BOT_USERNAME, BotEnv


async def test_bot_starts_and_answers_staff_help(bot_env: BotEnv) -> None:
    """getMe gave the username, commands were set, and /help from the admin is answered."""
    assert bot_env.ctx.bot_username == BOT_USERNAME
    assert any(c["command"] == "plan" for c in bot_env.api.commands())
    replies = await bot_env.ask(bot_env.staff, "/help")
    assert "/enroll" in replies[0].text
