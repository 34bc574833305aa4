"""A fake Telegram Bot API server on loopback for tests: real HTTP, faults and flood limits."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import tornado.httpserver
import tornado.netutil
import tornado.web

from testkit.fakes.bot_api_errors import ApiError, too_many
from testkit.fakes.bot_api_faults import Fault, Faults, Limits
from testkit.fakes.bot_api_http import (
    DROPPED,
    answer,
    drop_connection,
    make_application,
    request_params,
)
from testkit.fakes.bot_api_methods import METHOD_NAMES, BotMethods
from testkit.fakes.bot_api_observe import Observations
from testkit.fakes.bot_api_state import (
    JSON,
    BotState,
    SentMessage,
)
from testkit.fakes.bot_api_stats import Stats
from testkit.fakes.bot_api_topics import ForumTopics
from testkit.fakes.telegram_user import TelegramUser

DEFAULT_TOKEN = "123456:TEST-fake-token"


class _Closing(Exception):
    """The server is shutting down while a request waits."""


class FakeBotApi(Observations):
    """The fake server: `async with FakeBotApi() as api` or `with FakeBotApi.in_thread() as api`.

    Point PTB at it with `base_url=f"{api.url}/bot"` (our `telegram.api_url` = `api.url`).
    Tests steer it through `faults`, `limits`, the user helpers, and read `stats`.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        username: str = "aftercare_test_bot",
        first_name: str = "Aftercare Test Bot",
        seed: int = 0,
        strict_chats: bool = False,
    ) -> None:
        self.token = token
        bot_id = token.split(":", 1)[0]
        self.bot_user: JSON = {
            "id": int(bot_id) if bot_id.isdigit() else 123456,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self.faults = Faults(seed)
        self.limits = Limits()
        self.stats = Stats()
        self.state = BotState(strict_chats=strict_chats)
        self.state.on_update = self._notify_pollers
        self.forum = ForumTopics()
        self.methods = BotMethods(
            state=self.state, topics=self.forum, bot_user=self.bot_user, admit=self._admit,
            on_send=self._on_send,
        )
        self._canonical = {name.lower(): name for name in (*METHOD_NAMES, "getUpdates")}
        self.url = ""
        self.last_webhook_status: int | None = None
        self._server: tornado.httpserver.HTTPServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._closing = asyncio.Event()
        self._poll_generation = 0
        self._poll_waiters: set[asyncio.Event] = set()

    # lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1 at a free port; `url` is set afterwards."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._closing = asyncio.Event()
        app = make_application(self)
        sockets = tornado.netutil.bind_sockets(0, address="127.0.0.1")
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        """Answer waiting long polls, stop listening and close every connection."""
        self._closing.set()
        self.wake_pollers()
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @classmethod
    @contextlib.contextmanager
    def in_thread(cls, **kwargs: Any) -> Iterator[FakeBotApi]:
        """Run the server in a background thread with its own loop (for bots in subprocesses)."""
        api = cls(**kwargs)
        ready = threading.Event()
        failure: list[BaseException] = []
        stop_requested: list[asyncio.Event] = []

        async def serve() -> None:
            await api.start()
            stop_requested.append(asyncio.Event())
            ready.set()
            await stop_requested[0].wait()
            await api.stop()

        def run() -> None:
            try:
                asyncio.run(serve())
            except BaseException as error:  # surfaced to the test thread below
                failure.append(error)
                ready.set()

        thread = threading.Thread(target=run, name="fake-bot-api", daemon=True)
        thread.start()
        if not ready.wait(10) or failure:
            raise RuntimeError("the fake Bot API did not start") from (
                failure[0] if failure else None
            )
        try:
            yield api
        finally:
            assert api._loop is not None
            api._loop.call_soon_threadsafe(stop_requested[0].set)
            thread.join(10)

    # acting as Telegram ------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> TelegramUser:
        """A Telegram user (patient or staff) whose private chat with the bot is `user_id`."""
        return TelegramUser(
            self, user_id=user_id, first_name=first_name, last_name=last_name,
            username=username, language_code=language_code,
        )

    def group(self, chat_id: int, title: str = "Clinic staff", *, forum: bool = False) -> JSON:
        """Register a group chat (negative id; -100... makes it a supergroup).

        `forum=True` makes a forum supergroup ("is_forum": true): topics can be made in it.
        Its message ids start at 2, as id 1 would be the General topic's.
        """
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        if forum and kind != "supergroup":
            raise ValueError("only a supergroup (-100... id) can be a forum")
        chat: JSON = {"id": chat_id, "type": kind, "title": title}
        if forum:
            chat["is_forum"] = True
            self.state.skip_message_ids(chat_id, upto=1)
        self.state.register_chat(chat)
        return chat

    def push_update(self, payload: JSON) -> JSON:
        """Queue an update for getUpdates (any thread); returns it with its update_id."""
        return self.state.push_update(payload)

    async def deliver(self, payload: JSON) -> JSON:
        """Hand an update to the bot: POST it to the webhook when one is set, else queue it."""
        if self.state.webhook is None:
            return self.push_update(payload)
        update = self.state.stamp(payload)
        self.last_webhook_status = await self.deliver_via_webhook(update)
        return update

    async def deliver_via_webhook(self, update: JSON) -> int:
        """POST one update to the registered webhook with its secret; returns the HTTP status."""
        hook = self.state.webhook
        if hook is None:
            raise RuntimeError("no webhook is set")
        if "update_id" not in update:
            update = self.state.stamp(update)
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(hook.url, content=json.dumps(update), headers=headers)
        return response.status_code

    # serving -----------------------------------------------------------------------------

    async def serve(self, handler: tornado.web.RequestHandler, token: str, name: str) -> None:
        """Answer one `POST /bot<token>/<method>` the way Telegram would, faults included."""
        if token != self.token:
            return answer(handler, ApiError(401, "Unauthorized").body(), 401)
        method = self._canonical.get(name.lower())
        self.stats.record_request(method or name)
        if method is None:
            return self._fail(handler, name, ApiError(404, "Not Found: method not found"))
        try:
            params, files = request_params(handler.request)
        except ValueError:
            unreadable = ApiError(400, "Bad Request: can't parse request body")
            return self._fail(handler, method, unreadable)
        try:
            result = await self._perform(handler, method, params, files)
        except ApiError as error:
            return self._fail(handler, method, error)
        except _Closing:
            drop_connection(handler)
            return None
        if result is not DROPPED:
            answer(handler, {"ok": True, "result": result}, 200)
        return None

    async def _perform(
        self, handler: tornado.web.RequestHandler, method: str, params: JSON,
        files: dict[str, bytes],
    ) -> Any:
        chat = params.get("chat_id")
        decision = self.faults.decide(
            method, int(chat) if isinstance(chat, int | str) and str(chat).lstrip("-").isdigit()
            else None,
        )
        if decision.slow_seconds:
            await self._pause(decision.slow_seconds)
        fault = decision.fault
        if fault is not Fault.NONE:
            self.stats.record_fault(fault.value)
        if fault is Fault.DROP:
            drop_connection(handler)
            return DROPPED
        if fault is Fault.TIMEOUT:
            await self._pause(decision.hold_seconds)
            if not decision.delivers:
                raise ApiError(502, "Bad Gateway")
        elif fault is Fault.SERVER_ERROR:
            raise ApiError(500, "Internal Server Error")
        elif fault is Fault.TOO_MANY:
            raise too_many(decision.retry_after)
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and chat_id in self.faults.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if method == "getUpdates":
            return await self._get_updates(params, handler)
        result = self.methods.table[method.lower()](params, files)
        if decision.late_seconds:
            await self._pause(decision.late_seconds)
        return result

    def _fail(self, handler: tornado.web.RequestHandler, method: str, error: ApiError) -> None:
        self.stats.record_error(error.code, method=method, description=error.description)
        answer(handler, error.body(), error.code)

    async def _pause(self, seconds: float) -> None:
        # Interruptible, so stopping the server never leaves a sleeping handler behind.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)
        if self._closing.is_set():
            raise _Closing

    def _admit(self, chat_id: int) -> None:
        retry_after = self.limits.admit(chat_id, time.monotonic())
        if retry_after is not None:
            raise too_many(int(retry_after))

    def _on_send(self, message: SentMessage) -> None:
        text = message.text if message.text is not None else (message.caption or "")
        self.stats.record_send(chat_id=message.chat_id, text=text, at=message.sent_at)

    async def _get_updates(
        self, params: JSON, handler: tornado.web.RequestHandler
    ) -> list[JSON]:
        if self.state.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                "active; use deleteWebhook to delete the webhook first")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            with self.state.cond:
                self.state.allowed_updates = allowed
        offset = params.get("offset")
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = float(params.get("timeout") or 0)
        # Like Telegram, a newer getUpdates ends an older one still waiting with 409.
        self._poll_generation += 1
        generation = self._poll_generation
        self.wake_pollers()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        event = asyncio.Event()
        self._poll_waiters.add(event)
        try:
            while True:
                event.clear()
                if getattr(handler, "gone", False):
                    return []  # nobody to answer; the updates stay queued
                if generation != self._poll_generation:
                    raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                        "make sure that only one bot instance is running")
                ready = self.state.take_updates(offset if isinstance(offset, int) else None,
                                                limit)
                remaining = deadline - loop.time()
                if ready or remaining <= 0 or self._closing.is_set():
                    return ready
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
        finally:
            self._poll_waiters.discard(event)

    def wake_pollers(self) -> None:
        """Let every waiting getUpdates look again (new update, newer poller, shutdown)."""
        for event in self._poll_waiters:
            event.set()

    def _notify_pollers(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        if threading.get_ident() == self._loop_thread:
            self.wake_pollers()
        else:
            loop.call_soon_threadsafe(self.wake_pollers)
