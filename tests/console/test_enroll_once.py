"""The Enroll form acts once: sending the same form again (a double click, the browser's back
and resend, two at the same moment, or after the bot restarted) creates no second patient
and shows what the first made; a bad field uses nothing up."""

from __future__ import annotations

import asyncio
import re

import httpx
from sqlalchemy import select

from console.security import FORM_FIELD
from services.context import AppContext
from storage.models import Patient
from storage.repositories import Store
from tests.console.conftest import STAFF
from tests.console.support import FORM_TOKEN, Console, enroll_form_token, serving, sign_in

LINK = re.compile(r"start=([A-Za-z0-9_-]+)")


async def patient_ids(ctx: AppContext) -> list[int]:
    async with Store(ctx.sessions) as store:
        return list(await store.session.scalars(select(Patient.id)))


async def patient_count(ctx: AppContext) -> int:
    return len(await patient_ids(ctx))


def fields(csrf: str, token: str, label: str = "Desk D.") -> dict[str, str]:
    return {"_csrf": csrf, FORM_FIELD: token, "protocol": "micro-mesotherapy-face",
            "when": "today 16:30", "label": label}


def code_of(page: httpx.Response) -> str:
    found = LINK.search(page.text)
    assert page.status_code == 200 and found is not None, page.text[:500]
    return found.group(1)


async def test_the_same_form_twice_makes_one_patient(console: Console,
                                                     client: httpx.AsyncClient) -> None:
    """Sent again, the form shows the same invitation (same link and QR) and says so."""
    csrf = await sign_in(console, client, STAFF)
    token = await enroll_form_token(console, client)
    first = await client.post(f"{console.url}/console/enroll", data=fields(csrf, token))
    again = await client.post(f"{console.url}/console/enroll", data=fields(csrf, token))
    assert code_of(first) == code_of(again) and "qr-code" in again.text
    assert "already sent" not in first.text and "already sent" in again.text
    assert await patient_count(console.ctx) == 1
    other = await client.post(f"{console.url}/console/enroll",
                              data=fields(csrf, await enroll_form_token(console, client)))
    assert code_of(other) != code_of(first)
    assert await patient_count(console.ctx) == 2


async def test_two_at_the_same_moment_make_one_patient(console: Console,
                                                       client: httpx.AsyncClient) -> None:
    """A double click: two sends race, both pages show the one invitation."""
    csrf = await sign_in(console, client, STAFF)
    token = await enroll_form_token(console, client)
    pages = await asyncio.gather(*(
        client.post(f"{console.url}/console/enroll", data=fields(csrf, token))
        for _ in range(3)))
    assert len({code_of(page) for page in pages}) == 1
    assert await patient_count(console.ctx) == 1


async def test_after_a_restart_the_form_still_acts_once(ctx: AppContext) -> None:
    """The bot restarted (its memory of recent invitations is gone): the resent form makes
    no patient and shows the one it made, without the code (stored only hashed)."""
    async with httpx.AsyncClient(timeout=15) as client:
        async with serving(lambda: ctx) as before:
            csrf = await sign_in(before, client, STAFF)
            token = await enroll_form_token(before, client)
            first = await client.post(f"{before.url}/console/enroll",
                                      data=fields(csrf, token))
            code_of(first)
        async with serving(lambda: ctx) as after:
            csrf = await sign_in(after, client, STAFF)
            again = await client.post(f"{after.url}/console/enroll", data=fields(csrf, token))
    assert again.status_code == 200 and "already sent" in again.text
    assert LINK.search(again.text) is None
    [patient_id] = await patient_ids(ctx)
    assert f"/console/patients/{patient_id}" in again.text


async def test_a_bad_field_uses_nothing_up(console: Console, client: httpx.AsyncClient) -> None:
    """A refused form (unreadable time) can be corrected and sent with the same token; a
    missing or foreign token is refused and creates nothing."""
    csrf = await sign_in(console, client, STAFF)
    token = await enroll_form_token(console, client)
    bad = {**fields(csrf, token), "when": "someday"}
    refused = await client.post(f"{console.url}/console/enroll", data=bad)
    assert refused.status_code == 400 and "could not read" in refused.text
    assert FORM_TOKEN.search(refused.text) is not None  # the form comes back with a token
    for forged in ("", "short", "x" * 80, "<script>" * 4):
        sent = await client.post(f"{console.url}/console/enroll", data=fields(csrf, forged))
        assert sent.status_code == 400 and "out of date" in sent.text
    assert await patient_count(console.ctx) == 0
    code_of(await client.post(f"{console.url}/console/enroll", data=fields(csrf, token)))
    assert await patient_count(console.ctx) == 1
