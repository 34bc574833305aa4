"""The ops edge hooked onto a PTB Application: update counting, /healthz and /metrics.

The metrics registry and the HTTP routes live in `ops/` and know nothing of Telegram; this
module gives them the running application's context and counts its updates.
"""

from __future__ import annotations

import logging
from typing import Any

import tornado.web
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.context import CONTEXT_KEY
from ops.health import ContextSource, health_routes
from ops.http import HttpServer, quiet_access_log
from ops.metrics import Metrics
from services.context import AppContext

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
METRICS_KEY = "metrics"  # application.bot_data key
SERVER_KEY = "health_server"  # application.bot_data key of the polling-mode server
# bot_data key: routes another edge (the staff console) mounts beside /healthz and /metrics;
# app/ puts them there, so that no edge imports another.
EXTRA_ROUTES_KEY = "extra_routes"
# Runs before every other handler group and stops nothing (handlers in other groups run).
COUNTING_GROUP = -1000
UPDATE_KINDS = (
    "message", "edited_message", "callback_query", "my_chat_member", "chat_member",
    "channel_post", "inline_query", "chat_join_request",
)


def update_kind(update: object) -> str:
    """The kind of a Telegram update (its payload field), "other" when unknown."""
    if isinstance(update, Update):
        for kind in UPDATE_KINDS:
            if getattr(update, kind, None) is not None:
                return kind
    return "other"


def context_source(application: AnyApplication) -> ContextSource:
    """The application's AppContext once post_init has built it (None before)."""

    def source() -> AppContext | None:
        ctx = application.bot_data.get(CONTEXT_KEY)
        return ctx if isinstance(ctx, AppContext) else None

    return source


def application_routes(application: AnyApplication) -> list[tuple[str, type, dict[str, Any]]]:
    """/healthz and /metrics for this application, and the routes app/ added (console)."""
    return [
        *health_routes(context_source(application), metrics_of(application)),
        *application.bot_data.get(EXTRA_ROUTES_KEY, []),
    ]


def install_metrics(application: Application[Any, Any, Any, Any, Any, Any]) -> Metrics:
    """Give the application its registry and count every update (a handler that blocks none)."""
    metrics = Metrics()
    application.bot_data[METRICS_KEY] = metrics

    async def count(update: object, _context: ContextTypes.DEFAULT_TYPE) -> None:
        metrics.updates.labels(kind=update_kind(update)).inc()

    def delivery_counters() -> Any:
        ctx = application.bot_data.get(CONTEXT_KEY)
        return getattr(getattr(ctx, "delivery", None), "counters", None)

    metrics.watch_delivery(delivery_counters)
    application.add_handler(TypeHandler(Update, count), group=COUNTING_GROUP)
    return metrics


def metrics_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Metrics:
    """The application's Metrics (installed on first use if the factory did not)."""
    metrics = application.bot_data.get(METRICS_KEY)
    if not isinstance(metrics, Metrics):
        metrics = install_metrics(application)
    return metrics


def install_health_server(application: AnyApplication, listen: str | None) -> None:
    """With `health.listen` set, serve /healthz and /metrics from start-up to shutdown.

    Chains onto the application's post_init / post_shutdown, so polling mode (and the test
    harness, which calls them itself) gets the server without any other wiring.
    """
    if not listen:
        return
    previous_init, previous_shutdown = application.post_init, application.post_shutdown

    async def post_init(app: AnyApplication) -> None:
        if previous_init is not None:
            await previous_init(app)
        server = HttpServer(
            tornado.web.Application(application_routes(app), log_function=quiet_access_log), listen
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
