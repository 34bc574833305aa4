"""The console under hostile or careless input, through its real HTTP server on SQLite and
PostgreSQL: refusals of requests not signed in are counted and sampled into the audit (one
row per client and reason a minute), ids past the database's range are "not found" (never a
500), and Mini App initData malformed in any field is a 403, audited, without an error line
in the log."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from urllib.parse import quote, urlencode

import httpx
import pytest

from services.console_webapp import signature
from services.context import AppContext
from storage.repositories import Store
from tests.console.conftest import STAFF, clock_of
from tests.console.support import BOT_TOKEN, Console, csrf_of, sign_in
from tests.console.test_pages import red_flag
from tests.console.test_signin import init_data, webapp
from tests.integration.services_support import joined

BEYOND = "9999999999"  # ten digits: a phone number, past PostgreSQL's INTEGER


async def _audit(ctx: AppContext, action: str) -> list[str | None]:
    async with Store(ctx.sessions) as store:
        return [e.detail for e in await store.audit.list(action=action, limit=1000)]


async def _metric(console: Console, client: httpx.AsyncClient, reason: str) -> float:
    text = (await client.get(console.url + "/metrics")).text
    found = re.search(
        rf'^aftercare_console_refusals_total\{{reason="{reason}"\}} ([0-9.e+]+)$', text,
        re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_refusals_not_signed_in_are_counted_and_sampled(
    console: Console, client: httpx.AsyncClient,
) -> None:
    """30 forged POSTs (no CSRF token) and 10 forged sign-in links from one client: all
    refused and counted in metrics, but one audit row per reason; a minute later the next
    one writes a row again, saying how many were refused meanwhile."""
    for _ in range(30):
        forged = await client.post(f"{console.url}/console/patients/1/cancel", data={})
        assert forged.status_code == 403
    page = await client.get(f"{console.url}/console/signin?t=x")
    for n in range(10):
        failed = await client.post(f"{console.url}/console/signin",
                                   data={"_csrf": csrf_of(page.text), "t": f"forged{n}"})
        assert failed.status_code == 403
    assert await _audit(console.ctx, "console.csrf") == ["csrf token missing or wrong"]
    assert await _audit(console.ctx, "console.signin") == ["link unknown"]
    assert await _metric(console, client, "csrf_token_missing_or_wrong") == 30
    assert await _metric(console, client, "link_unknown") == 10
    clock_of(console.ctx).advance(timedelta(seconds=61))
    await client.post(f"{console.url}/console/patients/1/cancel", data={})
    assert (await _audit(console.ctx, "console.csrf"))[0] == (
        "csrf token missing or wrong (+29 more from this client)")


async def test_ids_past_the_database_range_are_not_found(
    console: Console, client: httpx.AsyncClient,
) -> None:
    """A ten-digit number typed into search, or in a URL where an id goes: "no match" or
    404, never a 500 (PostgreSQL refuses such a number for an INTEGER column)."""
    await joined(console.ctx)
    csrf = await sign_in(console, client, STAFF)
    search = await client.get(f"{console.url}/console/patients", params={"q": BEYOND})
    assert search.status_code == 200 and "No patients match" in search.text
    paged = await client.get(f"{console.url}/console/patients", params={"before": BEYOND})
    assert paged.status_code == 200
    patient = await client.get(f"{console.url}/console/patients/{BEYOND}")
    assert patient.status_code == 404 and "no such patient" in patient.text
    action = await client.post(f"{console.url}/console/patients/{BEYOND}/cancel",
                               data={"_csrf": csrf})
    assert action.status_code == 404
    case = await client.post(f"{console.url}/console/cases/{BEYOND}99/resolve",
                             data={"_csrf": csrf})
    assert case.status_code == 303 and "done=gone" in case.headers["location"]
    status = await client.get(f"{console.url}/console/enroll/{BEYOND}/status")
    assert status.status_code == 200 and status.json()["state"] == "unknown"


def _malformed(now: int) -> dict[str, str]:
    """initData broken in one field each, every other field as Telegram sends it."""
    good_user = '{"id":2000,"first_name":"Asha"}'

    def signed(**fields: str) -> str:
        return urlencode({**fields, "hash": signature(fields, BOT_TOKEN)})

    return {
        "non-ASCII hash": urlencode({"auth_date": str(now), "user": good_user,
                                     "hash": "é" * 64}),
        "hash not hex": urlencode({"auth_date": str(now), "user": good_user, "hash": "z" * 64}),
        "superscript date": signed(auth_date="²", user=good_user),
        "date past year 9999": signed(auth_date="9" * 12, user=good_user),
        "user id past 64 bits": signed(auth_date=str(now), user='{"id":' + "9" * 30 + "}"),
        "user nested 3000 deep": signed(auth_date=str(now), user="[" * 1300),
        "user not an object": signed(auth_date=str(now), user='"2000"'),
        "bad percent-encoding": f"auth_date={now}&user=%ZZ&hash={'a' * 64}",
        "undecodable bytes": f"auth_date={now}&user={quote(bytes([0xff, 0xfe]))}&hash=00",
        "a field without =": f"auth_date={now}&user&hash={'a' * 64}",
        "a field twice": f"auth_date={now}&auth_date={now}&hash={'a' * 64}",
    }


async def test_malformed_init_data_is_refused_and_audited_without_an_error(
    console: Console, caplog: pytest.LogCaptureFixture,
) -> None:
    """initData with any malformed field (a non-ASCII hash, a date that is no number or
    no date, a user id no Telegram user has, JSON nested thousands deep) is refused with
    403, audited, and leaves no error line in the log."""
    now = int(console.ctx.clock.now().timestamp())
    caplog.set_level(logging.INFO)
    for what, data in _malformed(now).items():
        async with httpx.AsyncClient(timeout=15) as fresh:
            response = await webapp(console, fresh, data)
            assert response.status_code == 403, what
            assert response.json()["ok"] is False, what
    details = await _audit(console.ctx, "console.signin")
    assert {d.split(" (")[0] for d in details if d} >= {
        "webapp bad_hash", "webapp no_date", "webapp no_user", "webapp malformed"}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    async with httpx.AsyncClient(timeout=15) as genuine:  # and the real thing still works
        assert (await webapp(console, genuine, init_data(STAFF, now))).status_code == 200


async def test_case_action_on_an_id_past_the_range_from_today(
    console: Console, client: httpx.AsyncClient,
) -> None:
    """Acknowledge from Today with an id no case can have: "already closed", no error."""
    patient_id = await joined(console.ctx)
    await red_flag(console.ctx, patient_id)
    csrf = await sign_in(console, client, STAFF)
    done = await client.post(f"{console.url}/console/cases/{BEYOND}/acknowledge",
                             data={"_csrf": csrf})
    assert done.status_code == 303 and "done=gone" in done.headers["location"]
