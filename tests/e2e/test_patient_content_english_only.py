"""Content a clinic writes (issue 11): English only, under the shipped settings that
declare English and Hindi, starts the bot; Hindi patients read the English texts."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from tests.e2e.harness import REPO, BotEnv
from tests.unit.test_content_loader import english_only


async def test_english_only_content_starts_the_bot_and_falls_back(
    make_bot_env: Callable[..., AbstractAsyncContextManager[BotEnv]], tmp_path: Path
) -> None:
    """The bot starts on English-only content (languages en, hi); a Hindi patient joins,
    gets the bot's own texts in Hindi and the clinic's texts in English."""
    folder = english_only(REPO / "content", tmp_path / "content")
    extra: dict[str, Any] = {"content": {"dir": str(folder)}}
    async with make_bot_env(settings_extra=extra) as env:
        assert env.ctx.content.warnings  # one line per file, logged at start-up by the app
        invite = await env.invite()
        user = env.patient(9001, language_code="hi")
        [offer] = await env.ask(user, f"/start {invite.code}")
        assert "प्रक्रिया" in offer.visible and "Micro mesotherapy (face)" in offer.visible
        await env.press(user, "Yes")
        await user.expect("/timezone")
        await env.deliver()
        texts = [m.visible for m in env.sent_to(user.id)]
        assert any("Care for the rest of today" in text for text in texts)
