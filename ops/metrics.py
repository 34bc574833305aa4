"""Prometheus metrics: a registry per application; process counters, database figures at scrape."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.reports import (
    CaseFigures,
    OutboxHealth,
    case_figures,
    escalation_counts,
    outbox_health,
)
from storage.repositories import Repositories

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DATABASE_TIMEOUT = 5.0  # seconds a scrape or health check waits for the database
DELIVERY_OUTCOMES = ("sent", "failed", "expired", "cancelled", "requeued")


@dataclass(frozen=True, kw_only=True)
class DatabaseSnapshot:
    """What the database said at one scrape (None figures: it did not answer)."""

    ok: bool
    outbox: OutboxHealth | None = None
    by_protocol: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    escalations: Mapping[tuple[str, str], int] = field(default_factory=dict)
    cases: CaseFigures | None = None


async def read_snapshot(
    sessions: async_sessionmaker[AsyncSession], now: datetime, *, full: bool = True
) -> DatabaseSnapshot:
    """Outbox health (and, when `full`, per-protocol and escalation counts); never raises."""

    async def read() -> DatabaseSnapshot:
        async with sessions() as session, session.begin():
            outbox = await outbox_health(session, now)
            if not full:
                return DatabaseSnapshot(ok=True, outbox=outbox)
            stats = await Repositories(session).messages.stats(now)
            escalations = await escalation_counts(session)
            cases = await case_figures(session)
        return DatabaseSnapshot(
            ok=True, outbox=outbox, by_protocol=stats.by_protocol, escalations=escalations,
            cases=cases,
        )

    try:
        return await asyncio.wait_for(read(), DATABASE_TIMEOUT)
    except Exception as error:  # a down database is a reading, not a crash
        log.warning("event=database_check_failed error=%s", type(error).__name__)
        return DatabaseSnapshot(ok=False)


class Metrics:
    """The application's registry: updates and webhook requests counted as they happen,
    delivery counters read from the worker, and database figures read at each scrape."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "aftercare_updates_handled", "Telegram updates dispatched to handlers, by kind",
            ["kind"], registry=self.registry,
        )
        self.webhook_requests = Counter(
            "aftercare_webhook_requests",
            "Webhook requests by outcome (accepted, duplicate, unauthorized, forbidden, "
            "bad_request, too_large, unavailable)",
            ["outcome"], registry=self.registry,
        )
        self.console_refusals = Counter(
            "aftercare_console_refusals",
            "Console requests refused while not signed in (CSRF, sign-in links, Mini App "
            "initData), by reason; the audit keeps one row per client and reason a minute",
            ["reason"], registry=self.registry,
        )
        self.replayed_updates = Counter(
            "aftercare_webhook_replayed_updates",
            "Persisted updates processed at start-up (received before a crash)",
            registry=self.registry,
        )
        self._snapshot = DatabaseSnapshot(ok=False)
        self._now: datetime | None = None
        self._delivery: Callable[[], Any] = lambda: None
        self.registry.register(_ScrapeCollector(self))

    def count_console_refusal(self, reason: str) -> None:
        """One console request refused while not signed in (`reason`: a short code)."""
        self.console_refusals.labels(reason=reason).inc()

    def watch_delivery(self, counters: Callable[[], Any]) -> None:
        """Where to read the delivery worker's counters from (a DeliveryCounters, or None)."""
        self._delivery = counters

    async def scrape(self, sessions: async_sessionmaker[AsyncSession] | None,
                     now: datetime) -> bytes:
        """Read the database, then render everything in the Prometheus text format."""
        if sessions is None:
            self._snapshot = DatabaseSnapshot(ok=False)
        else:
            self._snapshot = await read_snapshot(sessions, now)
        self._now = now
        return generate_latest(self.registry)

    def _collect(self) -> Iterable[Metric]:
        snapshot = self._snapshot
        up = GaugeMetricFamily("aftercare_database_up", "1 if the database answered the scrape")
        up.add_metric([], 1.0 if snapshot.ok else 0.0)
        yield up
        yield from _delivery_metrics(self._delivery())
        if snapshot.outbox is not None and self._now is not None:
            backlog = GaugeMetricFamily(
                "aftercare_due_backlog", "Messages due now and not yet sent (all processes)"
            )
            backlog.add_metric([], float(snapshot.outbox.due_backlog))
            yield backlog
            lag = GaugeMetricFamily(
                "aftercare_delivery_lag_seconds", "How long the oldest due message has waited"
            )
            lag.add_metric([], snapshot.outbox.lag_seconds(self._now))
            yield lag
        if snapshot.by_protocol:
            stored = GaugeMetricFamily(
                "aftercare_outbox_messages", "Stored messages by protocol and status",
                labels=["protocol", "status"],
            )
            for protocol, counts in sorted(snapshot.by_protocol.items()):
                for status, count in sorted(counts.items()):
                    stored.add_metric([protocol, status], float(count))
            yield stored
        if snapshot.ok:
            raised = CounterMetricFamily(
                "aftercare_escalations", "Escalations raised, by kind", labels=["kind"]
            )
            still_open = GaugeMetricFamily(
                "aftercare_escalations_open", "Escalations still open, by kind", labels=["kind"]
            )
            kinds: dict[str, list[int]] = {}
            for (kind, status), count in snapshot.escalations.items():
                totals = kinds.setdefault(kind, [0, 0])
                totals[0] += count
                totals[1] += count if status != "resolved" else 0
            for kind, (total, opened) in sorted(kinds.items()):
                raised.add_metric([kind], float(total))
                still_open.add_metric([kind], float(opened))
            yield raised
            yield still_open
        if snapshot.cases is not None:
            yield from _case_metrics(snapshot.cases)


def _case_metrics(cases: CaseFigures) -> Iterable[Metric]:
    """Cases acknowledged / resolved by kind, open now, time to acknowledge (p50, p90)."""
    for name, what, counts in (
        ("aftercare_cases_acknowledged", "Cases acknowledged, by kind", cases.acknowledged),
        ("aftercare_cases_resolved", "Cases resolved, by kind", cases.resolved),
    ):
        family = CounterMetricFamily(name, what, labels=["kind"])
        for kind, count in sorted(counts.items()):
            family.add_metric([kind], float(count))
        yield family
    open_now = GaugeMetricFamily("aftercare_cases_open", "Cases not resolved yet")
    open_now.add_metric([], float(cases.open_now))
    yield open_now
    wait = GaugeMetricFamily(
        "aftercare_case_ack_seconds", "Time from opening to acknowledgement (recent cases)",
        labels=["quantile"],
    )
    for quantile, value in (("0.5", cases.ack_median_seconds), ("0.9", cases.ack_p90_seconds)):
        if value is not None:
            wait.add_metric([quantile], value)
    yield wait


def _delivery_metrics(counters: Any) -> Iterable[Metric]:
    """The delivery worker's running totals (this process only)."""
    if counters is None:
        return
    messages = CounterMetricFamily(
        "aftercare_delivery_messages",
        "Outbox messages this process finished (or put back: requeued), by outcome",
        labels=["outcome"],
    )
    for outcome in DELIVERY_OUTCOMES:
        messages.add_metric([outcome], float(getattr(counters, outcome, 0)))
    yield messages
    for name, attribute, text in (
        ("aftercare_delivery_passes", "passes", "Delivery passes run by this process"),
        ("aftercare_delivery_rate_limited", "rate_limited", "429 answers from Telegram"),
        ("aftercare_delivery_transient_errors", "transient_errors", "Sends to retry later"),
        ("aftercare_delivery_pass_errors", "pass_errors", "Passes aborted by an error"),
    ):
        family = CounterMetricFamily(name, text)
        family.add_metric([], float(getattr(counters, attribute, 0)))
        yield family
    last = getattr(counters, "last_lag_seconds", None)
    if last is not None:
        gauge = GaugeMetricFamily(
            "aftercare_delivery_last_send_lag_seconds",
            "Delay between the last sent message becoming due and being sent",
        )
        gauge.add_metric([], float(last))
        yield gauge


class _ScrapeCollector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterable[Metric]:
        return list(self._metrics._collect())
