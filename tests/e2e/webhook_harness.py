"""The e2e harness in webhook mode: the real bot behind its webhook server, the fake API posting."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx

from app.application import build_application, serve_webhook
from bot.webhook import SECRET_HEADER
from core.clock import FakeClock
from testkit.fakes.bot_api import FakeBotApi
from tests.e2e.harness import (
    ALERT_CHAT_ID,
    BOT_USERNAME,
    START,
    TOKEN,
    BotEnv,
    e2e_settings,
    production_logging,
)

SECRET = "webhook-secret_0123456789abcdefXYZ"
HOOK_PATH = "/telegram/hook"


def free_port() -> int:
    """A port nobody listens on right now (the webhook URL must be known before start)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class WebhookBotEnv(BotEnv):
    """BotEnv plus the webhook server's address; users' updates arrive by HTTP POST."""

    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def hook_url(self) -> str:
        return f"{self.base}{HOOK_PATH}"

    async def post(self, body: bytes | str, *, secret: str | None = SECRET,
                   path: str = HOOK_PATH) -> int:
        """POST raw bytes to the webhook (with `secret` unless None); the HTTP status."""
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(f"{self.base}{path}", content=body, headers=headers)
        return response.status_code

    async def get(self, path: str) -> httpx.Response:
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.get(f"{self.base}{path}")


def webhook_settings_extra(port: int, secret: str | None = SECRET) -> dict[str, Any]:
    return {
        "telegram": {
            "webhook_url": f"http://127.0.0.1:{port}{HOOK_PATH}",
            "webhook_listen": f"127.0.0.1:{port}",
            "webhook_secret": secret,
        }
    }


@asynccontextmanager
async def running_webhook_bot(
    database_url: str,
    *,
    quiet_hours: str | None = "21:00-08:00",
    start: datetime = START,
) -> AsyncIterator[WebhookBotEnv]:
    """Start the fake API and the real application in webhook mode; stop both afterwards."""
    with production_logging() as capture:
        async with FakeBotApi(token=TOKEN, username=BOT_USERNAME) as api:
            api.group(ALERT_CHAT_ID, "Clinic staff")
            port = free_port()
            settings = e2e_settings(
                api_url=api.url, database_url=database_url, quiet_hours=quiet_hours,
                **webhook_settings_extra(port),
            )
            clock = FakeClock(start)
            app = build_application(settings, clock=clock, api_url=api.url)
            stop = asyncio.Event()
            task = asyncio.create_task(serve_webhook(app, settings, stop=stop))
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 15
            while api.state.webhook is None:
                if task.done():
                    task.result()  # raises what stopped it
                if loop.time() > deadline:
                    raise AssertionError("the bot never called setWebhook")
                await asyncio.sleep(0.02)
            env = WebhookBotEnv(api=api, app=app, clock=clock, settings=settings, logs=capture)
            env.port = port
            try:
                yield env
            finally:
                stop.set()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, 15)
