"""The console at the front desk in a real Chromium (issue 21), at desk and phone width:
patients found by any part of their label with their names visible on a phone (the Mini
App), procedures by name, Devanagari in the shipped font, a refused time kept in its
field, and cancel then undo. Screenshots: see browser.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.console_signin import issue_link
from storage.repositories import Store
from tests.console.browser import (
    DESKTOP,
    PHONE,
    browser,
    low_contrast,
    screenshots,
    unlabelled_controls,
)
from tests.console.conftest import STAFF
from tests.console.support import Console
from tests.integration.services_support import NOW, joined

__all__ = ["browser", "screenshots"]
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

LABELS = ("Sarah Johnson (file 2231)", "Sunita Devi", "सुनीता देवी (फ़ाइल 4471)",
          "Priya Kapoor with a rather long label that has to wrap on a phone")


async def seeded(console: Console) -> dict[str, int]:
    """The labels above, each enrolled on the hair protocol."""
    made = {}
    async with Store(console.ctx.sessions) as store:
        for label in LABELS:
            patient = await store.patients.create(label=label, language="hi",
                                                  timezone="Asia/Kolkata", created_by=1,
                                                  now=NOW)
            await store.enrollments.create(patient_id=patient.id,
                                           protocol_id="micro-mesotherapy-hair",
                                           session_start=NOW, created_by=1, now=NOW)
            made[label] = patient.id
    return made


async def signed_in(console: Console, browser: Any, viewport: dict[str, int]) -> Any:
    page = await browser.new_page(viewport=viewport, is_mobile=viewport is PHONE)
    link = await issue_link(console.ctx, console.settings, user_id=STAFF)
    assert link is not None
    await page.goto(link.url)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Open cases").wait_for()
    return page


async def check(page: Any, folder: Path, name: str) -> None:
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    assert await unlabelled_controls(page) == [], name
    assert await low_contrast(page) == [], name


@pytest.mark.parametrize("size", ["desk", "phone"])
async def test_search_shows_names_and_procedures(console: Console, browser: Any,
                                                 screenshots: Path, size: str) -> None:
    """"devi" finds "Sunita Devi" (not at the start of her label) and "2231" Sarah by her
    file number; at phone width every label is on screen, and procedures are shown by
    name, never by their id."""
    await seeded(console)
    viewport = DESKTOP if size == "desk" else PHONE
    page = await signed_in(console, browser, viewport)
    await page.get_by_role("link", name="Patients").click()
    await page.get_by_label("Id or any part of the label").fill("devi")
    await page.get_by_role("button", name="Search").click()
    label = page.get_by_role("link", name="Sunita Devi", exact=True)
    await label.wait_for()
    box = await label.bounding_box()
    assert box is not None and box["width"] > 0 and box["x"] + box["width"] <= viewport["width"]
    assert await page.get_by_text("Micro mesotherapy (hair)").count() >= 1
    assert "micro-mesotherapy-hair" not in await page.locator("table").inner_text()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"] + 1
    await check(page, screenshots, f"41-{size}-search-devi")
    await page.get_by_label("Id or any part of the label").fill("2231")
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("link", name="Sarah Johnson (file 2231)").wait_for()
    await page.get_by_label("Id or any part of the label").fill("देवी")
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("link", name="सुनीता देवी (फ़ाइल 4471)").wait_for()
    await check(page, screenshots, f"42-{size}-search-devanagari")


async def test_devanagari_is_drawn_with_the_shipped_font(console: Console, browser: Any,
                                                         screenshots: Path) -> None:
    """A Devanagari label is drawn with Noto Sans Devanagari from /console/static/fonts
    (the page loads it; nothing relies on fonts the kiosk may lack)."""
    made = await seeded(console)
    page = await signed_in(console, browser, DESKTOP)
    await page.goto(f"{console.url}/console/patients/{made[LABELS[2]]}")
    await page.get_by_role("heading", name="Cases").wait_for()
    loaded = await page.evaluate("""async () => {
      await document.fonts.ready;
      await document.fonts.load('16px "Aftercare Devanagari"', 'देवी');
      return Array.from(document.fonts).filter(f => f.family.includes('Aftercare Devanagari')
        && f.status === 'loaded').length;
    }""")
    assert loaded >= 1
    used = await page.evaluate(
        "document.fonts.check('16px \"Aftercare Devanagari\"', 'सुनीता देवी')")
    assert used is True
    await check(page, screenshots, "43-devanagari-label")
    font = await page.request.get(
        f"{console.url}/console/static/fonts/NotoSansDevanagari-Regular.ttf")
    assert font.status == 200 and len(await font.body()) > 100_000


@pytest.mark.parametrize("size", ["desk", "phone"])
async def test_refused_time_stays_and_cancel_undoes(console: Console, browser: Any,
                                                    screenshots: Path, size: str) -> None:
    """On a patient's page a time the console cannot read is refused and stays in its
    field; "next monday 10:30" is read; Cancel care (confirmed) shows "cancelled" and an
    Undo that brings the plan back."""
    patient_id = await joined(console.ctx)
    viewport = DESKTOP if size == "desk" else PHONE
    page = await signed_in(console, browser, viewport)
    await page.goto(f"{console.url}/console/patients/{patient_id}")
    field = page.get_by_label("Move the session to")
    await field.fill("next fortnight 10am")
    await page.get_by_role("button", name="Reschedule").click()
    await page.get_by_text("could not read").wait_for()
    assert await page.get_by_label("Move the session to").input_value() == "next fortnight 10am"
    await check(page, screenshots, f"44-{size}-time-refused-kept")
    await page.get_by_label("Move the session to").fill("next monday 10:30")
    await page.get_by_role("button", name="Reschedule").click()
    await page.get_by_text("Session moved").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Cancel care").click()
    await page.get_by_text("It can be undone for a day").wait_for()
    assert await page.locator("h1 .badge").inner_text() == "cancelled"
    await check(page, screenshots, f"45-{size}-cancelled-undo")
    await page.get_by_role("button", name="Undo the cancel").click()
    await page.get_by_text("The cancel is undone").wait_for()
    assert await page.locator("h1 .badge").inner_text() == "active"
    await check(page, screenshots, f"46-{size}-undone")
