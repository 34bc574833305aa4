"""Pages and actions: CSRF on every change, admin-only export, every change audited with
the staff id, a polite 403 for forged requests, security headers, and no patient data in
the log."""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from core.statuses import EnrollmentStatus
from ops.logging_setup import quiet_noisy_loggers
from services import onboarding
from services.context import AppContext
from storage.repositories import Store
from tests.console.conftest import ADMIN, STAFF
from tests.console.support import Console, enroll_form_token, serving, sign_in
from tests.integration.services_support import CHAT, NOW, enrolled, joined

LABEL = "Asha Secretname"
WORDS = "I have pus and a fever since morning"


async def red_flag(ctx: AppContext, patient_id: int) -> int:
    async with Store(ctx.sessions) as store:
        case = await store.escalations.open(patient_id=patient_id, enrollment_id=None,
                                            kind="red_flag", rule_id="infection",
                                            patient_text=WORDS, now=NOW)
    return case.id


async def live_enrollments(ctx: AppContext, patient_id: int) -> int:
    async with Store(ctx.sessions) as store:
        found = await store.enrollments.list_for_patient(patient_id)
    return sum(1 for e in found if e.status in EnrollmentStatus.LIVE)


async def test_post_without_csrf_changes_nothing(console: Console,
                                                 client: httpx.AsyncClient) -> None:
    """A cancel posted without (or with a wrong) CSRF token is refused politely, audited, and
    the patient's care stays as it was."""
    patient_id = await joined(console.ctx)
    await sign_in(console, client, STAFF)
    for data in ({}, {"_csrf": "0" * 40}):
        response = await client.post(f"{console.url}/console/patients/{patient_id}/cancel",
                                     data=data)
        assert response.status_code == 403 and "did not come from the console" in response.text
    assert await live_enrollments(console.ctx, patient_id) == 1
    async with Store(console.ctx.sessions) as store:
        refused = await store.audit.list(action="console.csrf")
    assert len(refused) == 2 and all(e.actor_id == STAFF for e in refused)


async def test_forged_request_without_session(console: Console, client: httpx.AsyncClient
                                              ) -> None:
    """A cross-site POST (no session cookie) is refused and changes nothing."""
    patient_id = await joined(console.ctx)
    response = await client.post(f"{console.url}/console/patients/{patient_id}/cancel",
                                 data={"_csrf": "x"}, headers={"Origin": "https://evil.test"})
    assert response.status_code == 403
    assert await live_enrollments(console.ctx, patient_id) == 1


async def test_actions_are_audited_with_the_staff_id(console: Console,
                                                     client: httpx.AsyncClient) -> None:
    """Reschedule, new session and cancel work from the patient page and are audited."""
    patient_id = await joined(console.ctx)
    csrf = await sign_in(console, client, STAFF)
    base = f"{console.url}/console/patients/{patient_id}"
    bad = await client.post(f"{base}/reschedule", data={"_csrf": csrf, "when": "someday"})
    assert bad.status_code == 400 and "could not read" in bad.text
    for action, when in (("reschedule", "tomorrow 10am"), ("session", "now"), ("cancel", "")):
        done = await client.post(f"{base}/{action}", data={"_csrf": csrf, "when": when})
        assert done.status_code == 303, (action, done.text)
        page = await client.get(base + "?" + done.headers["location"].split("?", 1)[1])
        assert page.status_code == 200 and 'class="notice"' in page.text
    assert await live_enrollments(console.ctx, patient_id) == 0
    async with Store(console.ctx.sessions) as store:
        events = await store.audit.list(actor_id=STAFF)
    assert {"reschedule", "session", "cancel"} <= {e.action for e in events}


async def test_export_is_for_admins(console: Console, client: httpx.AsyncClient) -> None:
    """Staff asking for an export are refused (audited); an admin gets the patient's JSON."""
    patient_id = await joined(console.ctx)
    csrf = await sign_in(console, client, STAFF)
    url = f"{console.url}/console/patients/{patient_id}/export"
    refused = await client.post(url, data={"_csrf": csrf})
    assert refused.status_code == 403 and "Only an admin" in refused.text
    async with httpx.AsyncClient(timeout=15) as admin:
        csrf = await sign_in(console, admin, ADMIN)
        exported = await admin.post(url, data={"_csrf": csrf})
    assert exported.status_code == 200
    assert exported.json()["patient"]["id"] == patient_id
    async with Store(console.ctx.sessions) as store:
        events = await store.audit.list(action="patient.export")
        refusals = await store.audit.list(actor_id=STAFF, action="patient.export")
    assert [e.actor_id for e in events if e.outcome == "ok"] == [ADMIN]
    assert [e.detail for e in refusals] == ["not admin"]


async def test_enroll_then_joined(console: Console, client: httpx.AsyncClient) -> None:
    """The enroll form shows the QR code and link; the status turns "joined" at consent."""
    csrf = await sign_in(console, client, STAFF)
    page = await client.post(f"{console.url}/console/enroll", data={
        "_csrf": csrf, "_form": await enroll_form_token(console, client),
        "protocol": "micro-mesotherapy-face", "when": "today 16:30", "label": LABEL})
    assert page.status_code == 200 and "<svg" in page.text and "qr-code" in page.text
    code = re.search(r"start=([A-Za-z0-9_-]+)", page.text)
    status_url = re.search(r'data-status-url="([^"]+)"', page.text)
    assert code and status_url
    waiting = await client.get(console.url + status_url.group(1))
    assert waiting.json()["state"] == "waiting"
    accepted = await onboarding.accept_invite(console.ctx, code=code.group(1), chat_id=CHAT,
                                              language_code="en", now=NOW)
    assert accepted.status == "ok"
    assert (await client.get(console.url + status_url.group(1))).json()["state"] == "joined"
    bad = await client.post(f"{console.url}/console/enroll", data={
        "_csrf": csrf, "_form": await enroll_form_token(console, client), "protocol": "nope",
        "when": "", "label": ""})
    assert bad.status_code == 400 and "Choose one of the procedures" in bad.text


async def test_today_lists_and_resolves_cases(console: Console, client: httpx.AsyncClient
                                              ) -> None:
    """Today shows an open red flag with the patient's words; Resolve closes it (audited)."""
    patient_id = await joined(console.ctx)
    case_id = await red_flag(console.ctx, patient_id)
    csrf = await sign_in(console, client, STAFF)
    today = await client.get(console.url + "/console/")
    assert WORDS in today.text and f"Case {case_id}" in today.text and "joined" in today.text
    done = await client.post(f"{console.url}/console/cases/{case_id}/resolve",
                             data={"_csrf": csrf})
    assert done.status_code == 303
    async with Store(console.ctx.sessions) as store:
        case = await store.escalations.get(case_id)
        events = await store.audit.list(action="case_resolve")
    assert case is not None and case.status == "resolved" and case.resolved_by == STAFF
    assert [(e.actor_id, e.outcome) for e in events] == [(STAFF, "ok")]


async def test_today_acknowledges_and_assigns_cases(console: Console, client: httpx.AsyncClient
                                                    ) -> None:
    """Today offers Acknowledge and Assign to me beside Resolve; they use the same services
    as the Telegram card (who and when recorded, audited), and a repeat changes nothing."""
    patient_id = await joined(console.ctx)
    case_id = await red_flag(console.ctx, patient_id)
    csrf = await sign_in(console, client, STAFF)
    today = await client.get(console.url + "/console/")
    assert f"/console/cases/{case_id}/acknowledge" in today.text
    assert f"/console/cases/{case_id}/assign" in today.text
    acked = await client.post(f"{console.url}/console/cases/{case_id}/acknowledge",
                              data={"_csrf": csrf})
    assert acked.status_code == 303 and "done=acknowledged" in acked.headers["location"]
    again = await client.post(f"{console.url}/console/cases/{case_id}/acknowledge",
                              data={"_csrf": csrf})
    assert f"done=taken-acknowledge-{case_id}" in again.headers["location"]
    told = await client.get(console.url + again.headers["location"])
    assert "Already acknowledged by you" in told.text  # who was first
    await client.post(f"{console.url}/console/cases/{case_id}/assign", data={"_csrf": csrf})
    async with Store(console.ctx.sessions) as store:
        case = await store.escalations.get(case_id)
        events = await store.audit.list(action="case_assign")
    assert case is not None and case.status == "acknowledged"
    assert (case.acknowledged_by, case.assigned_to) == (STAFF, STAFF)
    assert [(e.actor_id, e.outcome) for e in events] == [(STAFF, "ok")]
    page = await client.get(console.url + "/console/")
    assert "Assigned to you" in page.text and f"/console/cases/{case_id}/assign" not in page.text
    no_csrf = await client.post(f"{console.url}/console/cases/{case_id}/assign", data={})
    assert no_csrf.status_code in (400, 403)


async def test_protocol_timeline_across_the_berlin_dst_change(console: Console,
                                                              client: httpx.AsyncClient) -> None:
    """Friday before the March DST weekend in Berlin: days on both sides of the change show
    UTC+01:00 and UTC+02:00, and day steps stay at their local wall time."""
    await sign_in(console, client, STAFF)
    page = await client.get(console.url + "/console/protocols", params={
        "protocol": "micro-mesotherapy-face", "session": "2026-03-27T18:00",
        "zone": "Europe/Berlin", "language": "en"})
    assert page.status_code == 200
    assert "UTC+01:00" in page.text and "UTC+02:00" in page.text
    assert "Sun 29 Mar" in page.text and "Mon 30 Mar 09:00" in page.text
    bad = await client.get(console.url + "/console/protocols", params={"zone": "Mars/Base"})
    assert "is not a time zone" in bad.text


async def test_security_headers_and_secure_cookie(ctx: AppContext) -> None:
    """Pages carry a CSP without inline script; over https the cookie is Secure."""
    async with serving(lambda: ctx) as running, httpx.AsyncClient(timeout=15) as http:
        page = await http.get(running.url + "/console/")
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert "<script>" not in page.text and " style=" not in page.text
    async with serving(lambda: ctx, scheme="https") as running, httpx.AsyncClient() as http:
        page = await http.get(running.url + "/console/")
        cookie = page.headers["set-cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


async def test_starting_context_is_a_503(client: httpx.AsyncClient) -> None:
    """Before the bot has built its context the console answers 503, politely."""
    async with serving(lambda: None) as running:
        page = await client.get(running.url + "/console/")
    assert page.status_code == 503 and "starting" in page.text


async def test_no_patient_data_in_the_log(console: Console, client: httpx.AsyncClient,
                                          caplog: pytest.LogCaptureFixture) -> None:
    """Searching, reading and acting on a patient (errors included) logs no label, no
    patient words and no sign-in token, at the production level with its quieted loggers
    (the test's own HTTP client's lines are left out: it is not the server)."""
    quiet_noisy_loggers()
    caplog.set_level(logging.INFO)
    code, patient_id = await enrolled(console.ctx, label=LABEL)
    await red_flag(console.ctx, patient_id)
    csrf = await sign_in(console, client, STAFF)
    for path in (f"/console/patients?q={LABEL}", f"/console/patients/{patient_id}",
                 "/console/", "/console/stats", f"/console/signin?t={code}"):
        assert (await client.get(console.url + path)).status_code == 200
    await client.post(f"{console.url}/console/patients/{patient_id}/reschedule",
                      data={"_csrf": csrf, "when": LABEL})
    await client.post(f"{console.url}/console/enroll",
                      data={"_csrf": csrf, "_form": await enroll_form_token(console, client),
                            "protocol": "x", "label": LABEL})
    text = "\n".join(r.getMessage() for r in caplog.records
                     if not r.name.startswith(("httpx", "httpcore")))
    for secret in (LABEL, "Secretname", WORDS, code):
        assert secret not in text
