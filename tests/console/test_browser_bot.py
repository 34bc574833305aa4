"""The console with the real bot running: enrolling at the desk (the staff member creates the
invitation in Chromium, the fake Telegram patient opens the link and says yes, and the page
shows "Joined" by itself), and acknowledging a red-flag case in the browser, which edits the
case's card in the Telegram staff chat."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.context import CONTEXT_KEY
from services.console_signin import issue_link
from services.context import AppContext
from tests.console.browser import DESKTOP, browser, screenshots
from tests.console.support import serving
from tests.e2e.harness import ADMIN_ID, ALERT_CHAT_ID, BotEnv, running_bot
from tests.e2e.test_patient_inbox import joined
from tests.e2e.test_staff_cases import RED_FLAG, card_now, red_flag_card

__all__ = ["browser", "screenshots"]


@pytest.fixture
async def bot_env(tmp_path: Path) -> AsyncIterator[BotEnv]:
    """The real bot (polling the fake Bot API) on a fresh SQLite file."""
    async with running_bot(f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}") as env:
        yield env


def context_of(bot_env: BotEnv) -> Any:
    """Where the console finds the running bot's context (as app/ wires it)."""

    def source() -> AppContext | None:
        ctx = bot_env.app.bot_data.get(CONTEXT_KEY)
        return ctx if isinstance(ctx, AppContext) else None

    return source


async def signed_in(bot_env: BotEnv, console: Any, browser: Any) -> Any:
    """A desk-size page signed in as the admin by a one-time link, on Today."""
    link = await issue_link(bot_env.ctx, console.settings, user_id=ADMIN_ID)
    assert link is not None
    page = await browser.new_page(viewport=DESKTOP)
    await page.goto(link.url)
    await page.get_by_role("button", name="Sign in").click()
    return page


async def test_desk_enrollment_shows_joined(bot_env: BotEnv, browser: Any,
                                            screenshots: Path) -> None:
    """Enroll in the browser, consent in Telegram, see "Joined" without reloading; the QR
    code, link and label then leave the screen (the patient is at the desk)."""
    async with serving(context_of(bot_env)) as console:
        page = await signed_in(bot_env, console, browser)
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
        await page.screenshot(path=str(screenshots / "20-enroll-waiting.png"), full_page=True)
        await page.get_by_text("Joined: the patient said yes").wait_for(timeout=20_000)
        # The code is spent and the patient at the desk need not read the label: both go.
        await page.locator("svg.qr-code").wait_for(state="hidden")
        assert not await page.get_by_text("Desk test").is_visible()
        assert not await page.locator(".link-text").is_visible()
        await page.screenshot(path=str(screenshots / "21-enroll-joined.png"), full_page=True)
        await page.get_by_role("link", name="Patient page").click()
        await page.get_by_role("heading", name="Session 1 · Micro mesotherapy (face)").wait_for()
        await page.screenshot(path=str(screenshots / "22-joined-patient.png"), full_page=True)


async def test_acknowledge_in_console_edits_the_telegram_card(bot_env: BotEnv, browser: Any,
                                                             screenshots: Path) -> None:
    """A patient writes a red flag: the card with its buttons is in the staff chat. The admin
    presses Acknowledge on Today in the browser: the card in Telegram now says who
    acknowledged it and offers Resolve and Assign to me only, and the ladder stops."""
    user = await joined(bot_env)
    card, case = await red_flag_card(bot_env, user)
    assert [b.text for b in card.buttons] == ["👀 Acknowledge", "✅ Resolve", "🙋 Assign to me"]
    await bot_env.ask(bot_env.staff, "/cases")  # the bot has seen the admin write: a name
    async with serving(context_of(bot_env)) as console:
        page = await signed_in(bot_env, console, browser)
        row = page.locator("li.kind-red_flag")
        await row.get_by_role("button", name="Acknowledge").click()
        await page.get_by_text("Case acknowledged.").wait_for()
        await page.screenshot(path=str(screenshots / "23-today-acknowledged.png"),
                              full_page=True)
    edited = await card_now(bot_env, card)
    assert edited.chat_id == ALERT_CHAT_ID
    assert "Acknowledged by Admin" in edited.visible and RED_FLAG in edited.visible
    assert [b.text for b in edited.buttons] == ["✅ Resolve", "🙋 Assign to me"]
    staff_before = len(bot_env.sent_to(ALERT_CHAT_ID))
    assert await bot_env.deliver(timedelta(minutes=20)) == 0  # no re-alert, no page
    assert len(bot_env.sent_to(ALERT_CHAT_ID)) == staff_before
    async with bot_env.db() as db:
        timers = await db.escalations.timers(case.id)
    assert timers and all(status == "cancelled" for _id, status in timers)
