"""Enrolling at the desk with the real bot running: the staff member creates the invitation
in Chromium, the (fake) Telegram patient opens the link and says yes, and the page shows
"Joined" by itself."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.context import CONTEXT_KEY
from services.console_signin import issue_link
from services.context import AppContext
from tests.console.browser import DESKTOP, browser, screenshots
from tests.console.support import serving
from tests.e2e.harness import ADMIN_ID, BotEnv, running_bot

__all__ = ["browser", "screenshots"]


@pytest.fixture
async def bot_env(tmp_path: Path) -> AsyncIterator[BotEnv]:
    """The real bot (polling the fake Bot API) on a fresh SQLite file."""
    async with running_bot(f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}") as env:
        yield env


async def test_desk_enrollment_shows_joined(bot_env: BotEnv, browser: Any,
                                            screenshots: Path) -> None:
    """Enroll in the browser, consent in Telegram, see "Joined" without reloading."""

    def source() -> AppContext | None:
        ctx = bot_env.app.bot_data.get(CONTEXT_KEY)
        return ctx if isinstance(ctx, AppContext) else None

    async with serving(source) as console:
        link = await issue_link(bot_env.ctx, console.settings, user_id=ADMIN_ID)
        assert link is not None
        page = await browser.new_page(viewport=DESKTOP)
        await page.goto(link.url)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("link", name="Enroll").click()
        await page.get_by_label("Procedure").select_option("micro-mesotherapy-face")
        await page.get_by_label("Label").fill("Desk test")
        await page.get_by_role("button", name="Create invitation").click()
        deep_link = await page.locator(".link-text a").inner_text()
        found = re.search(r"start=([A-Za-z0-9_-]+)$", deep_link)
        assert found is not None
        patient = bot_env.patient(5101)
        [offer] = await bot_env.ask(patient, f"/start {found.group(1)}", wait=20)
        assert offer.buttons[0].text.startswith("Yes")
        await patient.press("Yes")
        await page.get_by_text("Joined: the patient said yes").wait_for(timeout=20_000)
        await page.screenshot(path=str(screenshots / "21-enroll-joined.png"), full_page=True)
        await page.get_by_role("link", name="Patient page").click()
        await page.get_by_role("heading", name="Session 1 · micro-mesotherapy-face").wait_for()
        await page.screenshot(path=str(screenshots / "22-joined-patient.png"), full_page=True)
