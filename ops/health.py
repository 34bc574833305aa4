"""/healthz and /metrics over tornado: routes for the webhook server, or a server of their own."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import tornado.web

from ops.metrics import CONTENT_TYPE, Metrics, read_snapshot
from services.context import AppContext

# Where the handlers find the running bot's context: None while it is still starting.
ContextSource = Callable[[], AppContext | None]


class HealthHandler(tornado.web.RequestHandler):
    """GET /healthz: 200 when the database answers, 503 otherwise; JSON either way."""

    def initialize(self, source: ContextSource, metrics: Metrics) -> None:
        self.source = source

    async def get(self) -> None:
        ctx = self.source()
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

    def initialize(self, source: ContextSource, metrics: Metrics) -> None:
        self.source = source
        self.metrics = metrics

    async def get(self) -> None:
        ctx = self.source()
        metrics = self.metrics
        if ctx is None:
            body = await metrics.scrape(None, datetime.now(UTC))
        else:
            body = await metrics.scrape(ctx.sessions, ctx.clock.now())
        self.set_header("Content-Type", CONTENT_TYPE)
        self.finish(body)


def health_routes(
    source: ContextSource, metrics: Metrics
) -> list[tuple[str, type, dict[str, Any]]]:
    """The /healthz and /metrics routes, to mount on any tornado application."""
    args = {"source": source, "metrics": metrics}
    return [(r"/healthz", HealthHandler, args), (r"/metrics", MetricsHandler, args)]
