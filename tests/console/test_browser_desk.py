"""The Enroll form in a real Chromium acts once: a double click, going back and sending the
form again, and reloading the result page (which resends it) all show the one invitation,
and only a new form makes a second patient."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from services.console_signin import issue_link
from services.context import AppContext
from storage.models import Patient
from tests.console.browser import DESKTOP, browser, low_contrast, screenshots
from tests.console.conftest import STAFF
from tests.console.support import Console

__all__ = ["browser", "screenshots"]
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


async def patients(ctx: AppContext) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Patient)) or 0)


async def link_of(page: Any) -> str:
    await page.locator("svg.qr-code").wait_for()
    text: str = await page.locator(".link-text a").inner_text()
    return text


async def test_enroll_form_acts_once(console: Console, browser: Any, screenshots: Path
                                     ) -> None:
    """Double click, back-and-resend and reload make one patient; "Enroll another" a new one."""
    page = await browser.new_page(viewport=DESKTOP)
    link = await issue_link(console.ctx, console.settings, user_id=STAFF)
    assert link is not None
    await page.goto(link.url)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("link", name="Enroll").click()
    await page.get_by_label("Procedure").select_option("micro-mesotherapy-face")
    await page.get_by_label("Label").fill("Double D.")
    await page.get_by_role("button", name="Create invitation").dblclick()
    first = await link_of(page)
    await page.screenshot(path=str(screenshots / "31-enroll-double-click.png"), full_page=True)
    assert await patients(console.ctx) == 1

    await page.go_back()  # the form again, as it was sent (never cached: fetched anew)
    assert await page.get_by_label("Label").input_value() == "Double D."
    await page.get_by_role("button", name="Create invitation").click()
    assert await link_of(page) == first
    await page.get_by_text("This form was already sent").wait_for()
    await page.screenshot(path=str(screenshots / "32-enroll-sent-again.png"), full_page=True)
    assert await low_contrast(page) == []

    await page.reload()  # a POST result: the browser sends the same form once more
    assert await link_of(page) == first
    assert await patients(console.ctx) == 1

    await page.get_by_role("link", name="Enroll another patient").click()
    await page.get_by_label("Label").fill("Second S.")
    await page.get_by_role("button", name="Create invitation").click()
    assert await link_of(page) != first
    assert await patients(console.ctx) == 2
