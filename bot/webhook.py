"""The durable webhook server: check the secret, persist the update, answer 200, then handle it.

The secret and the declared size are checked when the headers arrive, before any of the body
is read (ops/http.py holds the server limits); the body must then be a plain JSON update.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import math
import os
import re
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import tornado.http1connection
import tornado.web
from telegram import Update
from telegram.ext import Application

from bot.context import CONTEXT_KEY
from bot.ops_hooks import application_routes, metrics_of
from ops.http import DEFAULT_LIMITS, HttpServer, ServerLimits, quiet_access_log
from ops.metrics import Metrics
from services.context import AppContext
from storage.repositories import Store

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
REPLAY_BATCH = 100
STOP_GRACE = 10.0  # seconds a stop waits for updates already taken
AnyApplication = Application[Any, Any, Any, Any, Any, Any]
# A Telegram update nests about ten levels deep (update, callback_query, message,
# reply_markup, inline_keyboard, row, button...); anything far deeper is not an update.
MAX_JSON_DEPTH = 64
# update_id and every other number must fit the database's BIGINT (and Telegram's ids do).
MAX_INT = 2**63 - 1

# Test-only fault injection for the crash tests (tests/e2e/test_webhook_crash.py), read once
# at start-up: "kill-after-persist:<kind>" SIGKILLs this process right after the first new
# update of that kind is committed (before its 200); "kill-after-handle:<kind>" SIGKILLs it
# right after the first update of that kind was handled, before it is marked processed;
# "slow:<kind>:<seconds>" waits that long before handling each update of that kind. Unset in
# production.
FAULT_ENV = "AFTERCARE_TEST_WEBHOOK_FAULT"


@dataclass(frozen=True, kw_only=True)
class Fault:
    action: str  # "kill-after-persist" | "kill-after-handle" | "slow"
    kind: str
    seconds: float = 0.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Fault | None:
        parts = environ.get(FAULT_ENV, "").split(":")
        if len(parts) >= 2 and parts[0] in ("kill-after-persist", "kill-after-handle", "slow"):
            seconds = float(parts[2]) if len(parts) > 2 and parts[0] == "slow" else 0.0
            return cls(action=parts[0], kind=parts[1], seconds=seconds)
        return None


def webhook_path(url: str) -> str:
    """The path Telegram posts to, taken from the webhook URL ("/" when it has none)."""
    return urlparse(url).path or "/"


@dataclass(frozen=True, kw_only=True)
class WebhookConfig:
    """Where Telegram posts (`url`), the secret every request must carry, where we listen."""

    url: str
    secret: str
    listen: str
    limits: ServerLimits = DEFAULT_LIMITS


class UpdateInbox:
    """Persists each update before it is acknowledged, then handles it: updates of different
    chats at the same time, one chat's in order (the application's update processor,
    bot/update_order.py).

    An update is handled after its row is committed and marked processed after handling; a
    crash in between leaves it unprocessed, and `replay()` handles it at the next start.
    Telegram re-sending an update already stored is recognised by its update_id and dropped.
    """

    def __init__(
        self, application: AnyApplication, ctx: AppContext, metrics: Metrics,
        fault: Fault | None = None,
    ) -> None:
        self._application = application
        self._ctx = ctx
        self._metrics = metrics
        self._fault = fault
        self._queue: asyncio.Queue[tuple[int, dict[str, Any]] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    async def receive(self, update_id: int, payload: dict[str, Any]) -> bool:
        """Store the update (raises if the database cannot); False when it was a duplicate."""
        async with Store(self._ctx.sessions) as store:
            new = await store.inbound.save_if_new(update_id, payload, self._ctx.clock.now())
        if new:
            if self._fault and self._fault.action == "kill-after-persist" and (
                _kind_of(payload) == self._fault.kind
            ):
                os.kill(os.getpid(), signal.SIGKILL)
            self._queue.put_nowait((update_id, payload))
        return new

    async def replay(self) -> int:
        """Handle every stored-but-unhandled update (from before a crash), oldest first."""
        count = 0
        while True:
            async with Store(self._ctx.sessions) as store:
                pending = await store.inbound.unprocessed(REPLAY_BATCH)
            if not pending:
                break
            for record in pending:
                await self._handle(record.update_id, dict(record.payload))
                count += 1
            self._metrics.replayed_updates.inc(len(pending))
        if count:
            log.info("event=webhook_replayed updates=%d", count)
        return count

    def start(self) -> None:
        self._task = asyncio.create_task(self._consume(), name="webhook-inbox")

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Finish what was taken (up to `grace` seconds), then stop; anything cut off is
        stored and handled at the next start."""
        if self._task is None:
            return
        self._queue.put_nowait(None)  # after what is queued: drain, then end
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._task.cancel()
            for task in list(self._running):
                task.cancel()  # unfinished: stored unprocessed, handled at the next start
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            await asyncio.gather(*self._running, return_exceptions=True)
        self._task = None

    async def _consume(self) -> None:
        processor = self._application.update_processor
        while True:
            item = await self._queue.get()
            if item is None:
                if self._running:  # drain: what was taken is finished before stopping
                    await asyncio.gather(*self._running, return_exceptions=True)
                return
            update_id, payload = item
            update = self._parse(update_id, payload)
            # The processor bounds how many run at once and keeps one chat's in order.
            task = asyncio.create_task(
                processor.process_update(update, self._guarded(update_id, payload, update))
            )
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    def _parse(self, update_id: int, payload: dict[str, Any]) -> Update | None:
        try:
            return Update.de_json(payload, self._application.bot)
        except Exception as error:  # unreadable: marked processed so it cannot block replay
            log.warning("event=webhook_update_unreadable update_id=%d error=%s",
                        update_id, type(error).__name__)
            return None

    async def _guarded(
        self, update_id: int, payload: dict[str, Any], update: Update | None
    ) -> None:
        try:
            await self._handle(update_id, payload, update)
        except Exception as error:  # keep serving; the row stays for the next replay
            log.warning("event=webhook_handle_failed update_id=%d error=%s",
                        update_id, type(error).__name__)

    async def _handle(
        self, update_id: int, payload: dict[str, Any], update: Update | None = None
    ) -> None:
        fault = self._fault
        if fault and fault.action == "slow" and _kind_of(payload) == fault.kind:
            await asyncio.sleep(fault.seconds)
        if update is None:
            update = self._parse(update_id, payload)
        if update is not None:
            # Handler errors go to the application's error handler; this returns normally.
            await self._application.process_update(update)
        if fault and fault.action == "kill-after-handle" and _kind_of(payload) == fault.kind:
            os.kill(os.getpid(), signal.SIGKILL)
        async with Store(self._ctx.sessions) as store:
            await store.inbound.mark_processed(update_id, self._ctx.clock.now())


def _kind_of(payload: Mapping[str, Any]) -> str:
    return next((key for key in payload if key != "update_id"), "other")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: PostgreSQL's json refuses them


def _plain_json(value: Any) -> bool:
    """Whether `value` nests at most MAX_JSON_DEPTH deep and every number is a finite float
    or an integer within BIGINT (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                return False
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, bool) or item is None or isinstance(item, str):
            continue
        elif isinstance(item, int):
            if not -MAX_INT - 1 <= item <= MAX_INT:
                return False
        elif isinstance(item, float) and not math.isfinite(item):
            return False
    return True


def parse_update(body: bytes | bytearray) -> tuple[int, dict[str, Any]] | None:
    """(update_id, payload) when `body` is a JSON object with an update_id in 0..2^63-1 and
    nothing an update never holds (deep nesting, numbers beyond 64 bits, NaN); else None.
    Never raises: JSON nested thousands deep is a RecursionError inside json, refused too."""
    try:
        payload = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(payload, dict):
        return None
    update_id = payload.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return None
    if not 0 <= update_id <= MAX_INT or not _plain_json(payload):
        return None
    return update_id, payload


@tornado.web.stream_request_body
class WebhookHandler(tornado.web.RequestHandler):
    """POST <path>: 401 without the secret header, 403 with a wrong one, 413 when the body
    is declared larger than the limit (all three before any of the body is read), 400 for
    a body that is not a JSON update, 503 when the update cannot be stored (Telegram
    retries), 200 once it is on disk."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(
        self, inbox: UpdateInbox, secret: str, metrics: Metrics, max_body_bytes: int
    ) -> None:
        self.inbox = inbox
        self.secret = secret.encode()
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.received = bytearray()

    def _refuse(self, status: int, outcome: str) -> None:
        self.metrics.webhook_requests.labels(outcome=outcome).inc()
        self.set_status(status)
        self.finish()

    def prepare(self) -> None:
        """Runs once the headers are in, before the body is read: a refusal here closes
        the connection without reading what the client still wants to send."""
        given = self.request.headers.get(SECRET_HEADER)
        if given is None:
            return self._refuse(401, "unauthorized")
        if not hmac.compare_digest(given.encode(), self.secret):
            return self._refuse(403, "forbidden")
        length = self.request.headers.get("Content-Length", "")
        if length.isascii() and length.isdigit() and int(length) > self.max_body_bytes:
            return self._refuse(413, "too_large")
        connection = self.request.connection
        if isinstance(connection, tornado.http1connection.HTTP1Connection):
            # A chunked body has no Content-Length: the connection stops it at the limit.
            connection.set_max_body_size(self.max_body_bytes)
        return None

    def data_received(self, chunk: bytes) -> None:
        self.received += chunk

    async def post(self) -> None:
        parsed = parse_update(self.received)
        if parsed is None:
            return self._refuse(400, "bad_request")
        update_id, payload = parsed
        try:
            new = await self.inbox.receive(update_id, payload)
        except Exception as error:  # not stored: Telegram must send it again
            log.warning("event=webhook_store_failed update_id=%d error=%s",
                        update_id, type(error).__name__)
            return self._refuse(503, "unavailable")
        outcome = "accepted" if new else "duplicate"
        self.metrics.webhook_requests.labels(outcome=outcome).inc()
        log.debug("event=webhook_update update_id=%d kind=%s outcome=%s",
                  update_id, _kind_of(payload), outcome)
        self.set_status(200)
        self.finish()


def webhook_app(
    application: AnyApplication, inbox: UpdateInbox, *, path: str, secret: str,
    max_body_bytes: int = DEFAULT_LIMITS.max_body_bytes,
) -> tornado.web.Application:
    """The webhook route plus /healthz and /metrics, access log reduced to failures."""
    metrics = metrics_of(application)
    routes: list[Any] = [
        (re.escape(path), WebhookHandler,
         {"inbox": inbox, "secret": secret, "metrics": metrics,
          "max_body_bytes": max_body_bytes}),
        *application_routes(application),
    ]
    return tornado.web.Application(routes, log_function=quiet_access_log)


async def serve_webhook(
    application: AnyApplication, config: WebhookConfig, *, stop: asyncio.Event | None = None
) -> None:
    """Run the bot in webhook mode until `stop` is set (or SIGINT / SIGTERM)."""
    url, secret = config.url, config.secret
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    inbox: UpdateInbox | None = None
    server: HttpServer | None = None
    try:
        ctx = application.bot_data[CONTEXT_KEY]
        assert isinstance(ctx, AppContext)
        inbox = UpdateInbox(application, ctx, metrics_of(application), Fault.from_env(os.environ))
        await inbox.replay()
        inbox.start()
        limits = config.limits
        server = HttpServer(
            webhook_app(application, inbox, path=webhook_path(url), secret=secret,
                        max_body_bytes=limits.max_body_bytes),
            config.listen, limits,
        )
        await server.start()
        await application.bot.set_webhook(
            url=url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
        )
        log.info("event=webhook_started port=%d", server.port)
        await stop.wait()
    finally:
        if server is not None:
            await server.stop()
        if inbox is not None:
            await inbox.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
        log.info("event=webhook_stopped")
