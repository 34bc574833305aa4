"""The console at the front desk (issue 21): times as staff type them, what was typed kept
after a refusal, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx

from storage.repositories import Store
from tests.console.conftest import STAFF
from tests.console.support import Console, enroll_form_token, sign_in
from tests.integration.services_support import joined


async def test_relative_times_move_the_session(console: Console,
                                               client: httpx.AsyncClient) -> None:
    """`next monday 10:30` on the patient page moves the session there (NOW is a Monday)."""
    patient_id = await joined(console.ctx)
    csrf = await sign_in(console, client, STAFF)
    done = await client.post(f"{console.url}/console/patients/{patient_id}/reschedule",
                             data={"_csrf": csrf, "when": "next monday 10:30"})
    assert done.status_code == 303
    async with Store(console.ctx.sessions) as store:
        [enrollment] = await store.enrollments.list_for_patient(patient_id)
    local = enrollment.session_start.astimezone(console.ctx.zone)
    assert (local.strftime("%A %Y-%m-%d %H:%M")) == "Monday 2026-03-09 10:30"


async def test_a_refused_time_keeps_what_was_typed(console: Console,
                                                   client: httpx.AsyncClient) -> None:
    """A time the console cannot read is refused with the accepted forms, and every field
    comes back as typed (Enroll, reschedule, new session)."""
    patient_id = await joined(console.ctx)
    csrf = await sign_in(console, client, STAFF)
    for action in ("reschedule", "session"):
        page = await client.post(f"{console.url}/console/patients/{patient_id}/{action}",
                                 data={"_csrf": csrf, "when": "next fortnight 10am"})
        assert page.status_code == 400
        assert "could not read" in page.text and "next monday 10:30" in page.text
        assert 'value="next fortnight 10am"' in page.text
    token = await enroll_form_token(console, client)
    page = await client.post(f"{console.url}/console/enroll", data={
        "_csrf": csrf, "_form": token, "protocol": "micro-mesotherapy-hair",
        "when": "friday 5", "label": "Sunita Devi"})
    assert page.status_code == 400 and "morning or evening" in page.text
    assert 'value="friday 5"' in page.text and 'value="Sunita Devi"' in page.text
    assert 'value="micro-mesotherapy-hair" selected' in page.text
