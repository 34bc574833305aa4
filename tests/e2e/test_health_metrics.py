"""Acceptance 2: /healthz follows the database down and back up; /metrics parses and moves."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.ops_hooks import SERVER_KEY
from ops.http import HttpServer
from testkit.postgres import ADMIN_DSN
from tests.e2e.harness import BOT_USERNAME, BotEnv, running_bot

HEALTH = {"health": {"listen": "127.0.0.1:0"}}
LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]+)")


def base_url(env: BotEnv) -> str:
    server = env.app.bot_data[SERVER_KEY]
    assert isinstance(server, HttpServer)
    return f"http://127.0.0.1:{server.port}"


async def get(env: BotEnv, path: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=15) as client:
        return await client.get(base_url(env) + path)


async def scrape(env: BotEnv) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, parsed by the Prometheus text parser: (name, labels) -> value."""
    response = await get(env, "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[BotEnv]:
    """The polling bot with its small health server on a free port."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'health.db'}"
    async with running_bot(url, quiet_hours=None, settings_extra=HEALTH) as running:
        yield running


async def set_connections(database: str, *, allowed: bool) -> None:
    """Take a scratch database down (refuse and drop connections) or up; the server stays."""
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(
            f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {"true" if allowed else "false"}'
        )
        if not allowed:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()", database,
            )
    finally:
        await conn.close()


async def test_healthz_goes_unhealthy_with_the_database_and_recovers(
    pg_database_url: str,
) -> None:
    """PostgreSQL refusing connections: 503 {"database": "error"}; allowed again: 200."""
    database = pg_database_url.rsplit("/", 1)[1]
    async with running_bot(pg_database_url, settings_extra=HEALTH) as running:
        healthy = await get(running, "/healthz")
        assert healthy.status_code == 200
        assert healthy.json() == {"database": "ok", "delivery_lag_seconds": 0.0, "due_backlog": 0}
        try:
            await set_connections(database, allowed=False)
            down = await get(running, "/healthz")
            assert down.status_code == 503
            assert down.json()["database"] == "error"
            metrics = await get(running, "/metrics")
            assert metrics.status_code == 200  # the scrape still answers, saying so
            assert "aftercare_database_up 0.0" in metrics.text
        finally:
            await set_connections(database, allowed=True)
        back = await get(running, "/healthz")
        assert back.status_code == 200 and back.json()["database"] == "ok"


async def test_metrics_parse_and_move_over_an_e2e_run(env: BotEnv) -> None:
    """Enroll, consent, deliver, a red flag: update, delivery, outbox and escalation figures
    all move, and the backlog / lag gauges see messages that are due but not yet sent."""
    before = await scrape(env)
    assert before[("aftercare_database_up", ())] == 1.0
    [text, _photo] = await env.ask(env.staff, "/enroll micro-mesotherapy-face", count=2)
    match = LINK.search(text.visible)
    assert match
    patient = env.patient(5301)
    await env.ask(patient, f"/start {match.group(1)}")
    await patient.press("Yes")
    await patient.expect("/timezone")
    await env.deliver()
    await env.ask(patient, "I have fever and pus since yesterday")
    await env.settle()
    env.clock.advance(timedelta(days=1, hours=1))  # reminders now due, none sent yet
    during = await scrape(env)
    assert during[("aftercare_updates_handled_total", (("kind", "message"),))] >= 3
    assert during[("aftercare_updates_handled_total", (("kind", "callback_query"),))] >= 1
    assert during[("aftercare_delivery_messages_total", (("outcome", "sent"),))] >= 1
    sent_face = ("aftercare_outbox_messages",
                 (("protocol", "micro-mesotherapy-face"), ("status", "sent")))
    assert during[sent_face] >= 1
    assert during[("aftercare_escalations_total", (("kind", "red_flag"),))] == 1
    assert during[("aftercare_escalations_open", (("kind", "red_flag"),))] == 1
    assert during[("aftercare_cases_open", ())] == 1
    assert ("aftercare_case_ack_seconds", (("quantile", "0.5"),)) not in during
    assert during[("aftercare_due_backlog", ())] >= 1
    assert during[("aftercare_delivery_lag_seconds", ())] > 0
    health = (await get(env, "/healthz")).json()
    assert health["due_backlog"] == during[("aftercare_due_backlog", ())]
    assert health["delivery_lag_seconds"] > 0
    await env.deliver()
    after = await scrape(env)
    assert after[("aftercare_due_backlog", ())] == 0
    assert after[("aftercare_delivery_lag_seconds", ())] == 0
    sent = ("aftercare_delivery_messages_total", (("outcome", "sent"),))
    assert after[sent] > during[sent]
    assert after[sent_face] > during[sent_face]


async def test_health_server_is_off_unless_configured(bot_env: BotEnv) -> None:
    """Without `health.listen` the polling bot opens no extra port."""
    assert SERVER_KEY not in bot_env.app.bot_data
