"""/healthz and /metrics over tornado: routes for the webhook server, or a server of their own."""

from __future__ import annotations

import json
import logging
import socket
from datetime import UTC, datetime
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram.ext import Application

from app.context import AppContext
from app.metrics import CONTENT_TYPE, metrics_of, read_snapshot
from app.settings import Settings
from bot.context import CONTEXT_KEY

log = logging.getLogger(__name__)

SERVER_KEY = "health_server"  # application.bot_data key of the polling-mode server
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def _context(application: AnyApplication) -> AppContext | None:
    ctx = application.bot_data.get(CONTEXT_KEY)
    return ctx if isinstance(ctx, AppContext) else None


class HealthHandler(tornado.web.RequestHandler):
    """GET /healthz: 200 when the database answers, 503 otherwise; JSON either way."""

    def initialize(self, bot_app: AnyApplication) -> None:
        self.bot_app = bot_app

    async def get(self) -> None:
        ctx = _context(self.bot_app)
        body: dict[str, Any] = {
            "database": "error", "delivery_lag_seconds": None, "due_backlog": None,
        }
        if ctx is not None:
            now = ctx.clock.now()
            snapshot = await read_snapshot(ctx.sessions, now, full=False)
            if snapshot.ok and snapshot.outbox is not None:
                body = {
                    "database": "ok",
                    "delivery_lag_seconds": round(snapshot.outbox.lag_seconds(now), 3),
                    "due_backlog": snapshot.outbox.due_backlog,
                }
        else:
            body["starting"] = True
        self.set_status(200 if body["database"] == "ok" else 503)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body))


class MetricsHandler(tornado.web.RequestHandler):
    """GET /metrics: the Prometheus text format, database figures read now."""

    def initialize(self, bot_app: AnyApplication) -> None:
        self.bot_app = bot_app

    async def get(self) -> None:
        ctx = _context(self.bot_app)
        metrics = metrics_of(self.bot_app)
        if ctx is None:
            body = await metrics.scrape(None, datetime.now(UTC))
        else:
            body = await metrics.scrape(ctx.sessions, ctx.clock.now())
        self.set_header("Content-Type", CONTENT_TYPE)
        self.finish(body)


def health_routes(application: AnyApplication) -> list[tuple[str, type, dict[str, Any]]]:
    """The /healthz and /metrics routes, to mount on any tornado application."""
    args = {"bot_app": application}
    return [(r"/healthz", HealthHandler, args), (r"/metrics", MetricsHandler, args)]


def quiet_access_log(handler: tornado.web.RequestHandler) -> None:
    """Log only failures, and never the full URL (a webhook path may be a secret)."""
    status = handler.get_status()
    if status >= 500:
        log.warning("event=http_error status=%d method=%s", status, handler.request.method)


def split_listen(listen: str) -> tuple[str, int]:
    """"host:port" -> (host, port); port 0 picks a free one (tests)."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"expected host:port, got {listen!r}")
    return host.strip("[]") or "0.0.0.0", int(port)  # noqa: S104 - operators choose


class HttpServer:
    """A tornado HTTP server on the running asyncio loop; `port` is known after start()."""

    def __init__(self, app: tornado.web.Application, listen: str) -> None:
        self._app = app
        self._host, self._port = split_listen(listen)
        self._server: tornado.httpserver.HTTPServer | None = None
        self._sockets: list[socket.socket] = []

    @property
    def port(self) -> int:
        return self._port

    async def start(self) -> None:
        self._sockets = tornado.netutil.bind_sockets(self._port, address=self._host)
        self._port = self._sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(self._app, xheaders=True)
        self._server.add_sockets(self._sockets)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None


def install_health_server(application: AnyApplication, settings: Settings) -> None:
    """With `health.listen` set, serve /healthz and /metrics from start-up to shutdown.

    Chains onto the application's post_init / post_shutdown, so polling mode (and the test
    harness, which calls them itself) gets the server without any other wiring.
    """
    listen = settings.health.listen
    if not listen:
        return
    previous_init, previous_shutdown = application.post_init, application.post_shutdown

    async def post_init(app: AnyApplication) -> None:
        if previous_init is not None:
            await previous_init(app)
        server = HttpServer(
            tornado.web.Application(health_routes(app), log_function=quiet_access_log), listen
        )
        await server.start()
        app.bot_data[SERVER_KEY] = server
        log.info("event=health_server_started port=%d", server.port)

    async def post_shutdown(app: AnyApplication) -> None:
        server = app.bot_data.pop(SERVER_KEY, None)
        if isinstance(server, HttpServer):
            await server.stop()
        if previous_shutdown is not None:
            await previous_shutdown(app)

    application.post_init = post_init
    application.post_shutdown = post_shutdown
