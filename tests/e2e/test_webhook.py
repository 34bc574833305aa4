"""Acceptance 1 (in process): webhook mode against the fake API, secret checks, consent, dedup."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.application import StartupError, require_webhook_settings
from bot.webhook import webhook_path
from storage.models import InboundUpdate
from tests.e2e.harness import ADMIN_ID, BOT_USERNAME, e2e_settings
from tests.e2e.webhook_harness import HOOK_PATH, SECRET, WebhookBotEnv, running_webhook_bot

LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]+)")


@pytest.fixture
async def hook_env(tmp_path: Path) -> AsyncIterator[WebhookBotEnv]:
    async with running_webhook_bot(f"sqlite+aiosqlite:///{tmp_path / 'hook.db'}") as env:
        yield env


def staff_update(text: str, update_id: int = 777_001) -> dict[str, object]:
    user = {"id": ADMIN_ID, "is_bot": False, "first_name": "Admin", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1, "date": 1_772_000_000, "text": text, "from": user,
            "chat": {"id": ADMIN_ID, "type": "private", "first_name": "Admin"},
            "entities": [{"type": "bot_command", "offset": 0, "length": text.find(" ")
                          if " " in text else len(text)}],
        },
    }


async def all_processed(env: WebhookBotEnv, seconds: float = 5.0) -> bool:
    """Whether every stored update gets marked processed within `seconds`: marking follows
    the handler's last reply, so a test that saw the reply may look a moment too early."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        async with env.db() as db:
            if await db.inbound.unprocessed() == ():
                return True
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.02)


async def stored_updates(env: WebhookBotEnv) -> int:
    async with env.ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(InboundUpdate)) or 0)


async def patient_count(env: WebhookBotEnv) -> int:
    async with env.db() as db:
        return len(await db.patients.list(limit=1000))


async def test_set_webhook_registers_url_secret_and_update_kinds(hook_env: WebhookBotEnv) -> None:
    """At start the bot calls setWebhook with its URL, the secret and every update kind."""
    hook = hook_env.api.state.webhook
    assert hook is not None
    assert hook.url == hook_env.hook_url and hook.url.startswith("http://")
    assert hook.secret_token == SECRET
    assert hook.allowed_updates is not None
    assert {"message", "callback_query", "my_chat_member"} <= set(hook.allowed_updates)


async def test_requests_without_or_with_wrong_secret_change_nothing(
    hook_env: WebhookBotEnv,
) -> None:
    """No secret -> 401, wrong secret -> 403, bad JSON -> 400: nothing stored, sent or made."""
    body = json.dumps(staff_update("/enroll micro-mesotherapy-face"))
    assert await hook_env.post(body, secret=None) == 401
    assert await hook_env.post(body, secret="wrong-secret") == 403
    assert await hook_env.post(body, secret=SECRET[:-1]) == 403
    assert await hook_env.post(b"{not json", secret=SECRET) == 400
    assert await hook_env.post(b'{"message": {}}', secret=SECRET) == 400
    assert await hook_env.post(b"[1, 2]", secret=SECRET) == 400
    await hook_env.settle()
    assert await stored_updates(hook_env) == 0
    assert await patient_count(hook_env) == 0
    assert hook_env.sent_to(ADMIN_ID) == []
    # The same update with the right secret is stored, handled and answered.
    assert await hook_env.post(body) == 200
    await hook_env.wait_sent(ADMIN_ID, 0, count=2)
    assert await patient_count(hook_env) == 1


async def test_only_the_webhook_path_accepts_updates(hook_env: WebhookBotEnv) -> None:
    """Another path is 404 even with the secret; GET on the hook is not allowed."""
    body = json.dumps(staff_update("/help"))
    assert await hook_env.post(body, path="/other") == 404
    assert (await hook_env.get(HOOK_PATH)).status_code == 405
    assert await stored_updates(hook_env) == 0


async def test_enrollment_and_consent_over_the_webhook(hook_env: WebhookBotEnv) -> None:
    """Staff /enroll, patient /start <code>, Yes: active, plan stored, reminders sent."""
    [text, _photo] = await hook_env.ask(
        hook_env.staff, "/enroll micro-mesotherapy-face", count=2
    )
    assert hook_env.api.last_webhook_status == 200
    match = LINK.search(text.visible)
    assert match
    patient = hook_env.patient(5101)
    [offer] = await hook_env.ask(patient, f"/start {match.group(1)}")
    assert offer.buttons[0].text.startswith("Yes")
    await patient.press("Yes")
    await patient.expect("/timezone")
    assert await hook_env.deliver() >= 1
    async with hook_env.db() as db:
        active = await db.patients.by_chat_id(patient.id)
        assert active is not None and active.status == "active"
    # Every update that came in was handled and marked so.
    assert await all_processed(hook_env)
    assert await stored_updates(hook_env) >= 3
    assert any("warm water" in m.visible.lower() for m in hook_env.sent_to(patient.id))


async def test_a_resent_update_is_handled_once(hook_env: WebhookBotEnv) -> None:
    """Telegram re-sending the same update_id gets 200 but no second handling."""
    update = staff_update("/enroll micro-mesotherapy-hair", update_id=888_123)
    assert await hook_env.api.deliver_via_webhook(update) == 200
    await hook_env.wait_sent(ADMIN_ID, 0, count=2)
    assert await hook_env.api.deliver_via_webhook(update) == 200
    await hook_env.settle(0.5)
    assert len(hook_env.sent_to(ADMIN_ID)) == 2
    assert await patient_count(hook_env) == 1


async def test_healthz_and_metrics_are_served_beside_the_webhook(
    hook_env: WebhookBotEnv,
) -> None:
    """The webhook server also answers /healthz and /metrics (no secret needed for those)."""
    health = await hook_env.get("/healthz")
    assert health.status_code == 200 and health.json()["database"] == "ok"
    metrics = await hook_env.get("/metrics")
    assert metrics.status_code == 200 and "aftercare_database_up 1.0" in metrics.text


def test_webhook_mode_refuses_to_start_without_a_secret() -> None:
    """A webhook URL without a secret is a start-up error that says what to set."""
    settings = e2e_settings(
        api_url="http://127.0.0.1:9", database_url="sqlite+aiosqlite:///:memory:",
        telegram={"webhook_url": "https://bot.example.org/hook"},
    )
    with pytest.raises(StartupError, match="TELEGRAM_WEBHOOK_SECRET"):
        require_webhook_settings(settings)


def test_webhook_path_comes_from_the_url() -> None:
    """The server listens on the URL's path (root when it has none)."""
    assert webhook_path("https://bot.example.org/tg/abc") == "/tg/abc"
    assert webhook_path("http://10.0.0.5:8081") == "/"


async def test_consent_over_the_webhook_on_postgresql(pg_database_url: str) -> None:
    """The same flow on PostgreSQL: stored, handled once, marked processed."""
    async with running_webhook_bot(pg_database_url) as env:
        invite = await env.invite(label="Pg Webhook Patient")
        patient = env.patient(5102)
        [offer] = await env.ask(patient, f"/start {invite.code}")
        assert offer.buttons[0].text.startswith("Yes")
        await patient.press("Yes")
        await patient.expect("/timezone")
        async with env.db() as db:
            active = await db.patients.get(invite.patient_id)
            assert active is not None and active.status == "active"
        assert await all_processed(env)
        assert await stored_updates(env) == 2
