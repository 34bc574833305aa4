"""Every console page and the states the click-through does not reach (a refused form, a
missing patient, the invitation's status, the pager, a cancelled patient, signed out), on a
desk screen and at phone width: each text at WCAG AA contrast and each control labelled,
computed in the page (tests/console/browser.py); each saved as a screenshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.console_signin import issue_link
from tests.console.browser import (
    DESKTOP,
    PHONE,
    browser,
    low_contrast,
    screenshots,
    unlabelled_controls,
)
from tests.console.conftest import ADMIN
from tests.console.support import Console
from tests.console.test_browser import seed
from tests.integration.services_support import enrolled

__all__ = ["browser", "screenshots"]
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


async def check(page: Any, folder: Path, name: str) -> list[str]:
    """Screenshot the page; what fails on it, named."""
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    problems = [f"{name}: unlabelled {html}" for html in await unlabelled_controls(page)]
    problems += [f"{name}: contrast {found}" for found in await low_contrast(page)]
    return problems


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desk", "phone"])
async def test_every_page_is_readable_and_labelled(console: Console, browser: Any,
                                                   screenshots: Path,
                                                   viewport: dict[str, int]) -> None:
    """WCAG AA contrast (4.5:1, large text 3:1) and labels on every page and state."""
    patient_id = await seed(console.ctx)
    for n in range(32):  # more than a page of patients: the pager shows
        await enrolled(console.ctx, label=f"Walk-in {n}")
    _, invited = await enrolled(console.ctx, label="Invited I.")
    page = await browser.new_page(viewport=viewport)
    link = await issue_link(console.ctx, console.settings, user_id=ADMIN)
    assert link is not None
    await page.goto(link.url)
    problems = await check(page, screenshots, "40-sign-in-link")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Open cases").wait_for()
    base = console.url + "/console"
    pages = {
        "41-today": "/",
        "42-enroll": "/enroll",
        "43-patients": "/patients",
        "44-patients-page-2": "/patients?before=20",
        "45-patient": f"/patients/{patient_id}",
        "46-no-such-patient": "/patients/999999",
        "47-protocols": "/protocols?protocol=micro-mesotherapy-hair&zone=Asia/Kolkata",
        "48-protocols-bad-zone": "/protocols?zone=Mars/Base",
        "49-stats": "/stats",
        "50-invitation-status": "/enroll/2",
    }
    for name, path in pages.items():
        await page.goto(base + path)
        problems += await check(page, screenshots, name)

    await page.goto(base + "/enroll")
    await page.get_by_label("Session time").fill("someday")
    await page.get_by_role("button", name="Create invitation").click()
    await page.get_by_role("alert").wait_for()
    problems += await check(page, screenshots, "51-enroll-refused")

    page.on("dialog", lambda dialog: dialog.accept())
    for who, name in ((patient_id, "52-cancelled-and-told"), (invited, "53-cancelled")):
        await page.goto(f"{base}/patients/{who}")
        await page.get_by_role("button", name="Cancel care").click()
        await page.get_by_role("status").wait_for()
        problems += await check(page, screenshots, name)

    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("heading", name="Signed out").wait_for()
    problems += await check(page, screenshots, "54-signed-out")
    assert problems == []
