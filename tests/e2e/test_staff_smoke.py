"""Smoke: the real application starts against the fake API and answers over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.application import StartupError
from tests.e2e.harness import BOT_USERNAME, BotEnv


async def test_bot_starts_and_answers_staff_help(bot_env: BotEnv) -> None:
    """getMe gave the username, menus were set (patients en/hi, admin), and /help answers."""
    assert bot_env.ctx.bot_username == BOT_USERNAME
    assert any(c["command"] == "plan" for c in bot_env.api.commands())
    assert any(c["command"] == "plan" for c in bot_env.api.commands(language_code="hi"))
    admin_menu = bot_env.api.commands({"type": "chat", "chat_id": 1000})
    assert {"enroll", "patients", "plan"} <= {c["command"] for c in admin_menu}
    replies = await bot_env.ask(bot_env.staff, "/help")
    assert "/enroll" in replies[0].text


async def test_non_staff_help_reaches_the_patient_help(bot_env: BotEnv) -> None:
    """The staff /help gate lets everyone else through to the patient /help."""
    [reply] = await bot_env.ask(bot_env.user(4000), "/help")
    assert "/enroll" not in reply.visible
    assert reply.visible.strip()


async def test_content_problem_refuses_start_up(make_bot_env: Any, tmp_path: Path) -> None:
    """A broken content folder stops post_init with StartupError (and logs each problem)."""
    broken = tmp_path / "content"
    (broken / "protocols").mkdir(parents=True)
    (broken / "protocols" / "bad.toml").write_text('id = "bad"\n[[steps]\nid=', "utf-8")
    with pytest.raises(StartupError, match="problem"):
        async with make_bot_env(settings_extra={"content": {"dir": str(broken)}}):
            pass
