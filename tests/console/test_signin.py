"""Signing in: no session shows the sign-in page; links work once and briefly; Mini App
initData must be genuine, fresh and a staff member's; every refusal is audited."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx

from services.console_signin import issue_link, session_user
from services.console_webapp import sign_init_data
from services.context import AppContext
from storage.repositories import Store
from tests.console.conftest import ADMIN, STAFF, STRANGER, clock_of
from tests.console.support import BOT_TOKEN, Console, csrf_of, sign_in


async def audit_details(ctx: AppContext, action: str) -> list[tuple[str, str | None]]:
    async with Store(ctx.sessions) as store:
        events = await store.audit.list(action=action)
    return [(str(e.outcome), e.detail) for e in events]


async def use_link(console: Console, client: httpx.AsyncClient, url: str) -> httpx.Response:
    page = await client.get(url)
    return await client.post(f"{console.url}/console/signin",
                             data={"_csrf": csrf_of(page.text), "t": url.split("t=", 1)[1]})


async def test_no_session_gets_the_sign_in_page(console: Console, client: httpx.AsyncClient
                                                ) -> None:
    """Every page without a session answers with the sign-in page and shows no data."""
    for path in ("/console/", "/console/patients", "/console/patients/1", "/console/stats"):
        response = await client.get(console.url + path)
        assert response.status_code == 200
        assert "send <code>/console</code>" in response.text
        assert "Sign out" not in response.text


async def test_link_signs_in_once(console: Console, client: httpx.AsyncClient) -> None:
    """A link signs in; the same link again is refused and audited; the cookie is HttpOnly,
    SameSite=Lax and scoped to /console."""
    link = await issue_link(console.ctx, console.settings, user_id=STAFF)
    assert link is not None
    done = await use_link(console, client, link.url)
    assert done.status_code == 303
    cookie = done.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # the console URL is http:// here
    async with httpx.AsyncClient(timeout=15) as other:
        again = await use_link(console, other, link.url)
    assert again.status_code == 403 and "already used" in again.text
    assert ("invalid", "link used") in await audit_details(console.ctx, "console.signin")


async def test_link_expires(console: Console, client: httpx.AsyncClient) -> None:
    """A link older than console.link_minutes signs nobody in."""
    link = await issue_link(console.ctx, console.settings, user_id=STAFF)
    assert link is not None
    clock_of(console.ctx).advance(timedelta(minutes=console.settings.link_minutes, seconds=1))
    response = await use_link(console, client, link.url)
    assert response.status_code == 403 and "expired" in response.text
    assert ("invalid", "link expired") in await audit_details(console.ctx, "console.signin")


async def test_forged_link_is_refused(console: Console, client: httpx.AsyncClient) -> None:
    """A made-up token is refused politely and audited."""
    response = await use_link(console, client, f"{console.url}/console/signin?t=forged-token")
    assert response.status_code == 403 and "not valid" in response.text
    assert ("invalid", "link unknown") in await audit_details(console.ctx, "console.signin")


async def test_non_staff_gets_no_link(ctx: AppContext, console: Console) -> None:
    """/console for someone who is not staff gives no link, and the attempt is audited."""
    assert await issue_link(ctx, console.settings, user_id=STRANGER) is None
    assert ("refused", "not staff") in await audit_details(ctx, "console.link")


async def test_removed_staff_is_signed_out(console: Console, client: httpx.AsyncClient) -> None:
    """Roles are read at every request: staff removed after signing in see the sign-in page."""
    await sign_in(console, client, STAFF)
    async with Store(console.ctx.sessions) as store:
        await store.staff.remove(STAFF, console.ctx.clock.now())
    page = await client.get(console.url + "/console/")
    assert "Sign out" not in page.text and "/console</code>" in page.text


async def test_session_expires_and_sign_out_ends_it(console: Console,
                                                    client: httpx.AsyncClient) -> None:
    """A session ends after console.session_hours, or at once with Sign out."""
    csrf = await sign_in(console, client, STAFF)
    token = client.cookies.get("console_session")
    assert token is not None and await session_user(console.ctx, token) is not None
    out = await client.post(console.url + "/console/signout", data={"_csrf": csrf})
    assert out.status_code == 200 and "signed out" in out.text
    assert await session_user(console.ctx, token) is None
    await sign_in(console, client, STAFF)
    clock_of(console.ctx).advance(timedelta(hours=console.settings.session_hours, seconds=1))
    page = await client.get(console.url + "/console/")
    assert "Sign out" not in page.text


def init_data(user_id: int, auth_date: int, token: str = BOT_TOKEN) -> str:
    user = json.dumps({"id": user_id, "first_name": "Asha"}, separators=(",", ":"))
    return sign_init_data({"auth_date": str(auth_date), "query_id": "AAH", "user": user}, token)


async def webapp(console: Console, client: httpx.AsyncClient, data: str) -> httpx.Response:
    page = await client.get(console.url + "/console/")
    return await client.post(console.url + "/console/webapp",
                             data={"_csrf": csrf_of(page.text), "init_data": data})


async def test_webapp_sign_in(console: Console, client: httpx.AsyncClient) -> None:
    """Genuine, fresh initData of a staff member signs in."""
    now = int(console.ctx.clock.now().timestamp())
    response = await webapp(console, client, init_data(STAFF, now - 60))
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert "Sign out" in (await client.get(console.url + "/console/")).text


async def test_webapp_refuses_forged_stale_and_strangers(console: Console) -> None:
    """Another bot's signature, a changed field, stale initData and a non-staff user are
    refused (403), audited, and sign nobody in."""
    now = int(console.ctx.clock.now().timestamp())
    tampered = init_data(STAFF, now).replace("Asha", "Eve")
    cases = {
        "bad_hash": [init_data(ADMIN, now, token="1:other-bot"), tampered],
        "stale": [init_data(STAFF, now - console.settings.webapp_max_age_seconds - 5)],
        "not staff": [init_data(STRANGER, now)],
    }
    for reason, datas in cases.items():
        for data in datas:
            async with httpx.AsyncClient(timeout=15) as fresh:
                response = await webapp(console, fresh, data)
                assert response.status_code == 403, reason
                assert response.json()["ok"] is False
                assert "Sign out" not in (await fresh.get(console.url + "/console/")).text
    details = [d for _, d in await audit_details(console.ctx, "console.signin")]
    # One row per client and reason a minute: the second forgery is counted, not written.
    assert details.count("webapp bad_hash") == 1
    assert "webapp stale" in details and "webapp not staff" in details
