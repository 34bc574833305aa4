"""Today shows a case made urgent again as what it is now: the red-flag badge with the words
that raised it (not the question that opened it), open again with its Acknowledge button;
acknowledging it there redraws its newest card."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from services.context import AppContext
from services.staff_alerts import AlertRequest, raise_alert
from storage.models import ScheduledMessage
from storage.repositories import Store
from tests.console.conftest import ADMIN, STAFF, clock_of
from tests.console.support import Console, sign_in
from tests.integration.services_support import NOW, joined

QUESTION = "do you have parking?"
RED_FLAG = "there is pus and a fever since the morning"


async def test_today_shows_a_raised_case_with_its_red_flag_words(
    console: Console, client: httpx.AsyncClient
) -> None:
    """A question staff acknowledged, then a red flag: Today lists the case under the red-flag
    badge with the red-flag words, open with Acknowledge; pressing it there queues a redraw
    of the fresh card."""
    ctx: AppContext = console.ctx
    patient_id = await joined(ctx)
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
    assert patient is not None
    case = await raise_alert(ctx, AlertRequest(kind="handoff", patient=patient, enrollment=None,
                                               words=QUESTION), NOW)
    async with Store(ctx.sessions) as store:
        await store.escalations.acknowledge(case.id, ADMIN, NOW)
    later = clock_of(ctx).advance(timedelta(minutes=20))
    raised = await raise_alert(ctx, AlertRequest(kind="red_flag", patient=patient,
                                                 enrollment=None, words=RED_FLAG,
                                                 rule_id="infection"), later)
    clock_of(ctx).advance(timedelta(minutes=5))
    assert raised.id == case.id and raised.status == "open"
    csrf = await sign_in(console, client, STAFF)
    page = await client.get(f"{console.url}/console/")
    assert page.status_code == 200
    row = page.text[page.text.index(f"Case {case.id}") - 400:]
    row = row[: row.index("</li>")]
    assert 'class="badge red_flag tone-danger"' in row and "urgent again 5 min ago" in row
    assert RED_FLAG in row and QUESTION not in row
    assert f"/console/cases/{case.id}/acknowledge" in row
    async with ctx.sessions() as session, session.begin():
        # The fresh card is out (delivery would record this): it is the case's card now.
        card = await session.scalar(
            select(ScheduledMessage).where(ScheduledMessage.case_id == case.id,
                                           ScheduledMessage.kind == "card")
            .order_by(ScheduledMessage.id.desc()).limit(1))
        assert card is not None and RED_FLAG in card.text
        card.status, card.telegram_message_id = "sent", 901
    done = await client.post(f"{console.url}/console/cases/{case.id}/acknowledge",
                             data={"_csrf": csrf})
    assert done.status_code == 303
    async with ctx.sessions() as session:
        edit = await session.scalar(
            select(ScheduledMessage).where(ScheduledMessage.case_id == case.id,
                                           ScheduledMessage.kind == "card_edit"))
    assert edit is not None and edit.reply_to_message_id == 901
    assert RED_FLAG in edit.text and f"Acknowledged by user #{STAFF}" in edit.text
