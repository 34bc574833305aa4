"""Cancel care from the console does what the bot's /cancel does: the same use case cancels
the plan, and a patient who had live care and a reachable chat is told, in the same words
(through the outbox); nobody else is told."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.context import CONTEXT_KEY
from core.statuses import MessageStatus
from core.texts import patient as patient_texts
from services.cancellations import CANCEL_NOTICE_STEP
from services.context import AppContext
from storage.models import ScheduledMessage
from storage.repositories import Store
from tests.console.conftest import STAFF
from tests.console.support import Console, serving, sign_in
from tests.e2e.harness import ADMIN_ID, BotEnv, running_bot
from tests.e2e.test_staff_cancel import confirm_cancel
from tests.integration.services_support import CHAT, enrolled, joined


async def notices(ctx: AppContext) -> list[ScheduledMessage]:
    async with Store(ctx.sessions) as store:
        return list(await store.session.scalars(
            select(ScheduledMessage).where(ScheduledMessage.step_id == CANCEL_NOTICE_STEP)))


async def cancel(console: Console, client: httpx.AsyncClient, csrf: str, patient_id: int
                 ) -> str:
    done = await client.post(f"{console.url}/console/patients/{patient_id}/cancel",
                             data={"_csrf": csrf})
    assert done.status_code == 303, done.text
    page = await client.get(console.url + done.headers["location"])
    assert page.status_code == 200
    return page.text


async def test_a_joined_patient_is_told(console: Console, client: httpx.AsyncClient) -> None:
    """Cancelling a joined patient queues the bot's "cancelled by the clinic" text, in their
    language, to their chat, now; the page says the patient is being told and shows it."""
    patient_id = await joined(console.ctx)
    csrf = await sign_in(console, client, STAFF)
    page = await cancel(console, client, csrf, patient_id)
    assert "the patient is being told" in page and "Other messages to the patient" in page
    [notice] = await notices(console.ctx)
    settings = console.ctx.settings.clinic
    assert notice.text == patient_texts.t("cancelled_by_clinic", "en", clinic=settings.name,
                                          contact=settings.contact_for("en"))
    assert (notice.chat_id, notice.patient_id, notice.enrollment_id) == (CHAT, patient_id, None)
    assert notice.status == MessageStatus.PENDING and notice.due_at == console.ctx.clock.now()
    again = await cancel(console, client, csrf, patient_id)
    assert "no live plan" in again and len(await notices(console.ctx)) == 1


async def test_an_invited_patient_is_not_told(console: Console,
                                              client: httpx.AsyncClient) -> None:
    """Someone who never joined has no chat with the bot: the invite is voided, no notice."""
    _, patient_id = await enrolled(console.ctx)
    csrf = await sign_in(console, client, STAFF)
    page = await cancel(console, client, csrf, patient_id)
    assert "Care cancelled: nothing more will be sent." in page
    assert await notices(console.ctx) == []


@pytest.fixture
async def bot_env(tmp_path: Path) -> AsyncIterator[BotEnv]:
    """The real bot (polling the fake Bot API) on a fresh SQLite file."""
    async with running_bot(f"sqlite+aiosqlite:///{tmp_path / 'cancel.db'}") as env:
        yield env


async def test_the_patient_reads_what_the_bots_cancel_says(bot_env: BotEnv) -> None:
    """With the real bot running, one patient is cancelled by /cancel in Telegram and one
    from the console: both read the same message from the bot."""

    def source() -> AppContext | None:
        ctx = bot_env.app.bot_data.get(CONTEXT_KEY)
        return ctx if isinstance(ctx, AppContext) else None

    told = []
    for user_id in (5201, 5202):
        invite, user = await bot_env.invite(), bot_env.patient(user_id)
        await bot_env.activate(invite, user)
        told.append((invite.patient_id, user))
    await bot_env.deliver()
    (by_bot, bot_user), (by_console, console_user) = told
    before = len(bot_env.sent_to(bot_user.id))
    await confirm_cancel(bot_env, by_bot)
    await bot_env.deliver()
    [from_bot] = await bot_env.wait_sent(bot_user.id, before)
    async with serving(source) as console, httpx.AsyncClient(timeout=15) as client:
        csrf = await sign_in(console, client, ADMIN_ID)
        before = len(bot_env.sent_to(console_user.id))
        await cancel(console, client, csrf, by_console)
        [from_console] = await bot_env.wait_sent(console_user.id, before, wait=10)
    assert from_console.visible == from_bot.visible
    assert "cancelled by the clinic" in from_console.visible
