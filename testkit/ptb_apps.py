"""PTB's real Bot and a polling Application pointed at the fake Bot API (for tests)."""

from __future__ import annotations

from typing import Any

from telegram import Bot, Update
from telegram.ext import Application
from telegram.request import HTTPXRequest

from testkit.fakes.bot_api import FakeBotApi

App = Application[Any, Any, Any, Any, Any, Any]
TOKEN = "777000:TEST-fake-api-token"  # the fake API's token in these tests


def make_bot(api: FakeBotApi, *, read_timeout: float = 5.0) -> Bot:
    """PTB's real Bot pointed at the fake."""
    request = HTTPXRequest(read_timeout=read_timeout, connection_pool_size=4)
    return Bot(api.token, base_url=f"{api.url}/bot", base_file_url=f"{api.url}/file/bot",
               request=request)


async def start_app(api: FakeBotApi, handlers: list[Any]) -> App:
    """A polling PTB Application against the fake."""
    app = (Application.builder().token(api.token).base_url(f"{api.url}/bot")
           .base_file_url(f"{api.url}/file/bot").build())
    for handler in handlers:
        app.add_handler(handler)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
    return app


async def stop_app(app: App) -> None:
    """Stop polling and shut the application down."""
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
