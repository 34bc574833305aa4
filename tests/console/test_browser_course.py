"""A course of treatment in the console, in a real Chromium with the real bot running (issue
22): Today's booked sessions with their confirmation states (done / no-show asked), who
has not joined yet; a patient's photo timeline, side by side across sessions, each photo
fetched through the bot from the fake Bot API's file endpoint; Stats with satisfaction and
reach. At desk and phone width, every page checked for contrast and labels."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import segno

from services.console_signin import issue_link
from tests.console.browser import DESKTOP, PHONE, browser, screenshots
from tests.console.support import serving
from tests.console.test_browser import shot
from tests.console.test_browser_bot import context_of
from tests.e2e.harness import ADMIN_ID, BotEnv, running_bot

__all__ = ["browser", "screenshots"]
KOLKATA = ZoneInfo("Asia/Kolkata")


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=KOLKATA).astimezone(UTC)


def picture(words: str) -> bytes:
    """A real image (a PNG) the browser can draw, standing in for a patient's photo."""
    buffer = io.BytesIO()
    segno.make(words, error="m").save(buffer, kind="png", scale=6, dark="#7a3e2b",
                                      light="#f3d9c8")
    return buffer.getvalue()


@pytest.fixture
async def bot_env(tmp_path: Path) -> AsyncIterator[BotEnv]:
    """The real bot (polling the fake Bot API) on a fresh SQLite file."""
    async with running_bot(f"sqlite+aiosqlite:///{tmp_path / 'course.db'}") as env:
        yield env


async def join(env: BotEnv, user_id: int, label: str) -> Any:
    invite = await env.invite(label=label)
    user = env.patient(user_id)
    await env.ask(user, f"/start {invite.code}")
    await user.press("Yes")
    await user.expect("/timezone")
    user.invite = invite
    return user


async def at(env: BotEnv, when: datetime) -> None:
    env.clock.set(when)
    await env.deliver()


async def photo_check_in(env: BotEnv, user: Any, words: str, pain: str) -> None:
    before = len(env.sent_to(user.id))
    await user.send_photo(content=picture(words))
    await env.wait_sent(user.id, before)
    await env.press(user, "No")
    await env.press(user, pain)


async def a_clinic_fortnight(env: BotEnv) -> dict[str, Any]:
    """Five face patients from Mon 2 Mar: photos at sessions 1 and 2 for one, two courses
    finished with an outcome (5 and 2), sessions booked for Wed 25 and Thu 26 Mar (one
    confirmed, one asked to change), one from Mon 23 never recorded; an invitation nobody
    opened. The clock ends on Wed 25 Mar, 18:30."""
    asha, ravi, meera, kabir, neha = [await join(env, 7101 + i, label) for i, label in
                                      enumerate(("Asha R.", "Ravi K.", "Meera S.", "Kabir D.",
                                                 "Neha P."))]
    await env.invite(label="Walk-in, not joined")
    await at(env, local(3, 4, 17, 0))  # day 2: the photo check-in
    await photo_check_in(env, asha, "session one", "2")
    await at(env, local(3, 23, 10, 30))  # 3 weeks on: the recall
    for user, score in ((ravi, "5"), (meera, "2")):
        await env.press(user, "I've finished the course")
        await env.deliver()
        await env.press(user, score, count=2)
    staff = env.staff
    await env.ask(staff, f"/session {asha.invite.patient_id}")  # session 2, done now
    await env.ask(staff, f"/session {kabir.invite.patient_id} 2026-03-23 12:00")
    await env.ask(staff, f"/session {neha.invite.patient_id} 2026-03-26 11:00")
    await env.ask(staff, f"/session {asha.invite.patient_id} 2026-03-26 16:00")
    await env.ask(staff, f"/session {ravi.invite.patient_id} 2026-03-25 18:00")
    await at(env, local(3, 25, 17, 0))  # session 2, day 2: another photo
    await photo_check_in(env, asha, "session two", "3")
    await env.press(neha, "I'll be there")
    await env.press(asha, "I need to change it")
    await env.ask(asha, "Friday morning would suit me better")
    await at(env, local(3, 25, 18, 30))
    return {"asha": asha, "ravi": ravi, "kabir": kabir, "neha": neha}


async def signed_in(env: BotEnv, console: Any, browser: Any, viewport: dict[str, int]) -> Any:
    link = await issue_link(env.ctx, console.settings, user_id=ADMIN_ID)
    assert link is not None
    page = await browser.new_page(viewport=viewport)
    await page.goto(link.url)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Sessions").wait_for()
    return page


async def images_drawn(page: Any) -> list[int]:
    """The natural width of every photo on the page, once each has loaded (0: broken)."""
    for _ in range(250):  # (wait_for_function would need eval, which the CSP forbids)
        done = await page.evaluate(
            "() => Array.from(document.querySelectorAll('figure.photo img'))"
            ".every(i => i.complete)")
        if done:
            break
        await page.wait_for_timeout(20)
    widths: list[int] = await page.evaluate(
        "() => Array.from(document.querySelectorAll('figure.photo img')).map(i => i.naturalWidth)")
    return widths


async def test_today_photos_and_stats_in_the_browser(bot_env: BotEnv, browser: Any,
                                                     screenshots: Path) -> None:
    """Today: "Today: 1 session, 0 confirmed · Tomorrow: 2 sessions, 1 confirmed", each
    state shown, done/no-show asked (one pressed), not joined yet; the patient page's photos
    of sessions 1 and 2 side by side, drawn from the bot; Stats' reach and satisfaction."""
    env = bot_env
    people = await a_clinic_fortnight(env)
    asha = people["asha"].invite.patient_id
    async with serving(context_of(env)) as console:
        page = await signed_in(env, console, browser, DESKTOP)
        summary = await page.locator("p.summary").inner_text()
        assert "Today: 1 session, 0 confirmed" in summary
        assert "Tomorrow: 2 sessions, 1 confirmed" in summary
        sessions = await page.locator("section.sessions").inner_text()
        for state in ("confirmed", "asked to change", "not confirmed"):
            assert state in sessions
        assert "Not recorded: done or no-show?" in sessions
        waiting = await page.locator("section[aria-labelledby=waiting-h]").inner_text()
        assert "link not opened" in waiting and "Walk-in, not joined" in waiting
        await shot(page, screenshots, "41-today-sessions")
        unrecorded = page.locator("section.sessions li.session", has_text="Kabir D.")
        await unrecorded.get_by_role("button", name="No-show").click()
        await page.get_by_text("Session recorded as missed").wait_for()
        ravi = page.locator("section.sessions li.session", has_text="Ravi K.")
        await ravi.get_by_role("button", name="Done").click()
        await page.get_by_text("Session recorded as done").wait_for()
        await shot(page, screenshots, "42-today-recorded")

        await page.goto(f"{console.url}/console/patients/{asha}")
        await page.get_by_role("heading", name="Photo check-ins").wait_for()
        assert [w for w in await images_drawn(page)] and all(
            w > 0 for w in await images_drawn(page))
        columns = page.locator("div.photo-session")
        assert await columns.count() == 2
        first, second = (await columns.nth(0).bounding_box(), await columns.nth(1).bounding_box())
        assert first is not None and second is not None
        assert abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"]  # side by side
        course = await page.locator("section[aria-labelledby=course-h]").inner_text()
        assert "asked to change" in course and "Consent on record" in course
        await shot(page, screenshots, "43-patient-photos")
        await page.locator("section[aria-labelledby=photos-h]").screenshot(
            path=str(screenshots / "43a-photo-timeline.png"))
        await page.locator("section[aria-labelledby=course-h]").screenshot(
            path=str(screenshots / "43b-course.png"))
        photo_url = await page.locator("figure.photo img").first.get_attribute("src")

        await page.goto(f"{console.url}/console/stats")
        await page.get_by_role("heading", name="Satisfaction").wait_for()
        stats = await page.content()
        assert "Average <strong>3.5</strong> of 5 from 2 answer(s)" in stats
        assert 'aria-label="Reach"' in stats and 'aria-label="Satisfaction per procedure' in stats
        await shot(page, screenshots, "44-stats-course")

        phone = await signed_in(env, console, browser, PHONE)
        await shot(phone, screenshots, "45-phone-today")
        width = await phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1
        await phone.goto(f"{console.url}/console/patients/{asha}")
        assert all(w > 0 for w in await images_drawn(phone))
        await shot(phone, screenshots, "46-phone-photos")
        await phone.locator("section[aria-labelledby=photos-h]").screenshot(
            path=str(screenshots / "46a-phone-photo-timeline.png"))
        await phone.goto(f"{console.url}/console/stats")
        await shot(phone, screenshots, "47-phone-stats")
        # Signed out: the photo is not served.
        stranger = await browser.new_page(viewport=DESKTOP)
        response = await stranger.goto(f"{console.url}{photo_url}")
        assert response is not None and response.headers.get("content-type", "").startswith(
            "text/html")
    async with env.db() as db:
        history = await db.audit.list(action="patient.photo", limit=50)
    assert history and all(event.actor_id == ADMIN_ID for event in history)
    assert env.api.stats.requests.get("getFile", 0) >= 4
    assert timedelta(0) <= env.clock.now() - local(3, 25, 18, 30)
