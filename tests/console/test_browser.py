"""The console in a real Chromium: sign in by link and by the Mini App's initData, then click
through Today, Enroll, Patients (a patient's timeline and an action), Protocols (Berlin's
March DST weekend) and Stats, on a desk screen and at phone width. Each page is saved as a
screenshot (tests/console/browser.py says where)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import update

from services import onboarding, patient_settings
from services.console_signin import issue_link
from services.console_webapp import sign_init_data
from services.context import AppContext
from storage.models import ScheduledMessage
from storage.repositories import Store
from tests.console.browser import (
    DESKTOP,
    PHONE,
    browser,
    low_contrast,
    screenshots,
    unlabelled_controls,
)
from tests.console.conftest import ADMIN, STAFF
from tests.console.support import BOT_TOKEN, Console
from tests.integration.services_support import NOW, enrolled, joined

__all__ = ["browser", "screenshots"]
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
WORDS = "The redness is spreading and I have a fever"


async def seed(ctx: AppContext) -> int:
    """A clinic morning: a joined patient with a red flag and a failed message, invitations
    waiting, one declined and one who stopped. Returns the joined patient's id."""
    patient_id = await joined(ctx)
    for label in ("Ravi K.", "Meera <b>S</b>", "Walk-in 3"):
        await enrolled(ctx, label=label)
    code, _ = await enrolled(ctx, label="Declined D.")
    await onboarding.decline_invite(ctx, code=code, chat_id=7001, now=NOW)
    code, stopper = await enrolled(ctx, label="Stopped S.")
    await onboarding.accept_invite(ctx, code=code, chat_id=7002, language_code="hi", now=NOW)
    async with Store(ctx.sessions) as store:
        record = await store.patients.get(stopper)
        await store.escalations.open(patient_id=patient_id, enrollment_id=None,
                                     kind="red_flag", rule_id="infection", patient_text=WORDS,
                                     now=NOW)
        await store.escalations.open(patient_id=stopper, enrollment_id=None, kind="handoff",
                                     rule_id=None, patient_text="Can I wash my hair today?",
                                     now=NOW)
        await store.session.execute(
            update(ScheduledMessage).where(ScheduledMessage.patient_id == stopper,
                                           ScheduledMessage.step_id == "day0-normal")
            .values(status="failed", finished_at=NOW, last_error="Forbidden: bot was blocked")
        )
    assert record is not None
    await patient_settings.stop(ctx, record, NOW)
    return patient_id


async def shot(page: Any, folder: Path, name: str) -> None:
    """Save the page as a screenshot, and check it as a person with low vision or a screen
    reader would need: every text at WCAG AA contrast, every control labelled."""
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    assert await unlabelled_controls(page) == [], name
    assert await low_contrast(page) == [], name


async def test_click_through_every_page(console: Console, browser: Any,
                                        screenshots: Path) -> None:
    """Sign in by link, then each page works by clicking, at desk size."""
    patient_id = await seed(console.ctx)
    page = await browser.new_page(viewport=DESKTOP)
    link = await issue_link(console.ctx, console.settings, user_id=ADMIN)
    assert link is not None
    await page.goto(link.url)
    await shot(page, screenshots, "01-sign-in-link")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Open cases").wait_for()
    assert WORDS in await page.content()
    await shot(page, screenshots, "02-today")
    await page.locator("li.kind-red_flag").get_by_role("button", name="Resolve").click()
    await page.get_by_text("Case resolved.").wait_for()

    await page.get_by_role("link", name="Enroll").click()
    await page.get_by_label("Procedure").select_option("micro-mesotherapy-hair")
    await page.get_by_label("Session time").fill("tomorrow 10am")
    await page.get_by_label("Label").fill("Front desk walk-in")
    await shot(page, screenshots, "03-enroll-form")
    await page.get_by_role("button", name="Create invitation").click()
    await page.locator("svg.qr-code").wait_for()
    box = await page.locator("svg.qr-code").bounding_box()
    assert box is not None and box["width"] >= 300  # large enough to scan off the screen
    await shot(page, screenshots, "04-enroll-qr")

    await page.get_by_role("link", name="Patients").click()
    await page.get_by_label("Id or any part of the label").fill("asha")
    await page.get_by_role("button", name="Search").click()
    await shot(page, screenshots, "05-patients-search")
    await page.get_by_role("link", name=f"#{patient_id}", exact=True).click()
    await page.get_by_role("heading", name="Cases").wait_for()
    await page.get_by_label("Move the session to").fill("tomorrow 11:00")
    await page.get_by_role("button", name="Reschedule").click()
    await page.get_by_text("Session moved").wait_for()
    await shot(page, screenshots, "06-patient-timeline")

    await page.get_by_role("link", name="Protocols").click()
    await page.get_by_label("Protocol", exact=True).select_option("micro-mesotherapy-face")
    await page.get_by_label("Session (patient time)").fill("2026-03-27T18:00")
    await page.get_by_label("Patient zone").fill("Europe/Berlin")
    await page.get_by_role("button", name="Draw").click()
    await page.locator("svg.chart").wait_for()
    content = await page.content()
    assert "UTC+01:00" in content and "UTC+02:00" in content
    await shot(page, screenshots, "07-protocol-berlin-dst")

    await page.get_by_role("link", name="Stats").click()
    await page.get_by_role("heading", name="Messages per day").wait_for()
    await shot(page, screenshots, "08-stats")
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("heading", name="Signed out").wait_for()


async def test_mini_app_at_phone_width(console: Console, browser: Any,
                                       screenshots: Path) -> None:
    """Opened as a Mini App (initData in the URL fragment, as Telegram does), the console
    signs in by itself and its pages fit a phone."""
    patient_id = await seed(console.ctx)
    user = json.dumps({"id": STAFF, "first_name": "Desk"}, separators=(",", ":"))
    auth_date = str(int(console.ctx.clock.now().timestamp()))
    init_data = sign_init_data({"auth_date": auth_date, "user": user}, BOT_TOKEN)
    page = await browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    await page.goto(f"{console.url}/console/#tgWebAppData={quote(init_data)}"
                    "&tgWebAppVersion=8.0&tgWebAppPlatform=android")
    await page.get_by_role("heading", name="Open cases").wait_for()
    await shot(page, screenshots, "11-phone-today")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1  # nothing runs off the side of the phone
    await page.goto(f"{console.url}/console/patients/{patient_id}")
    await shot(page, screenshots, "12-phone-patient")
    await page.goto(f"{console.url}/console/enroll")
    await shot(page, screenshots, "13-phone-enroll")
    forged = await browser.new_page(viewport=PHONE)
    await forged.goto(f"{console.url}/console/#tgWebAppData={quote(init_data + 'x')}")
    await forged.get_by_text("could not confirm who you are").wait_for()
    await shot(forged, screenshots, "14-phone-forged-initdata")
