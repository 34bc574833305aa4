"""Issue 12, webhook limits and input: what a client without the secret, a huge or slow
request, or a body that is JSON but no update can do to the webhook server (nothing)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app.application import build_application
from bot.webhook import SECRET_HEADER, WebhookConfig, parse_update, serve_webhook
from core.clock import FakeClock
from ops.http import DEFAULT_LIMITS, MIB, ServerLimits
from storage.models import InboundUpdate
from testkit.fakes.bot_api import FakeBotApi
from tests.e2e.harness import (
    ADMIN_ID,
    ALERT_CHAT_ID,
    BOT_USERNAME,
    REPO,
    START,
    TOKEN,
    e2e_settings,
    production_logging,
)
from tests.e2e.test_webhook import staff_update
from tests.e2e.webhook_harness import (
    HOOK_PATH,
    SECRET,
    WebhookBotEnv,
    free_port,
    running_webhook_bot,
    webhook_settings_extra,
)

SHORT = ServerLimits(header_timeout=0.5, body_timeout=0.5)


@asynccontextmanager
async def limited_webhook_bot(
    database_url: str, limits: ServerLimits = DEFAULT_LIMITS
) -> AsyncIterator[WebhookBotEnv]:
    """running_webhook_bot with other server limits (the short timeouts keep tests fast)."""
    with production_logging() as capture:
        async with FakeBotApi(token=TOKEN, username=BOT_USERNAME) as api:
            api.group(ALERT_CHAT_ID, "Clinic staff")
            port = free_port()
            settings = e2e_settings(
                api_url=api.url, database_url=database_url, **webhook_settings_extra(port),
            )
            app = build_application(settings, clock=FakeClock(START), api_url=api.url)
            config = WebhookConfig(url=f"http://127.0.0.1:{port}{HOOK_PATH}", secret=SECRET,
                                   listen=f"127.0.0.1:{port}", limits=limits)
            stop = asyncio.Event()
            task = asyncio.create_task(serve_webhook(app, config, stop=stop))
            while api.state.webhook is None:
                if task.done():
                    task.result()
                await asyncio.sleep(0.02)
            env = WebhookBotEnv(api=api, app=app, clock=FakeClock(START), settings=settings,
                                logs=capture)
            env.port = port
            try:
                yield env
            finally:
                stop.set()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, 15)


@pytest.fixture
async def hook_env(tmp_path: Path) -> AsyncIterator[WebhookBotEnv]:
    async with running_webhook_bot(f"sqlite+aiosqlite:///{tmp_path / 'hook.db'}") as env:
        yield env


def head(length: int, *, secret: str | None = SECRET, path: str = HOOK_PATH) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: bot", "Content-Type: application/json",
             f"Content-Length: {length}"]
    if secret is not None:
        lines.append(f"{SECRET_HEADER}: {secret}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def exchange(port: int, data: bytes, wait: float = 3.0) -> bytes:
    """Send `data`, then read until the server closes or `wait` passes; what came back."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    received = b""
    with contextlib.suppress(TimeoutError, ConnectionError):
        async with asyncio.timeout(wait):
            while chunk := await reader.read(65536):
                received += chunk
    writer.close()
    return received


async def stored_updates(env: WebhookBotEnv) -> int:
    async with env.ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(InboundUpdate)) or 0)


async def test_an_oversized_body_is_refused_413_from_its_headers_alone(
    hook_env: WebhookBotEnv,
) -> None:
    """A 5 MB Content-Length with the right secret gets 413 and a closed connection while
    not one byte of the body has been sent (before: the server waited to read it all);
    without the secret the same request is 401, just as early."""
    answer = await exchange(hook_env.port, head(5_000_000))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:80]
    answer = await exchange(hook_env.port, head(90 * MIB, secret=None))
    assert answer.startswith(b"HTTP/1.1 401"), answer[:80]
    answer = await exchange(hook_env.port, head(90 * MIB, secret="wrong"))
    assert answer.startswith(b"HTTP/1.1 403"), answer[:80]
    metrics = (await hook_env.get("/metrics")).text
    assert 'aftercare_webhook_requests_total{outcome="too_large"} 1.0' in metrics
    assert await stored_updates(hook_env) == 0


async def test_a_body_near_the_limit_is_taken_and_one_past_it_is_not(
    hook_env: WebhookBotEnv,
) -> None:
    """An update padded to just under 1 MiB is stored and handled; a chunked body (no
    Content-Length) that runs past the limit is cut off and stores nothing."""
    update = staff_update("/help", update_id=555_001)
    update["padding"] = "x" * (DEFAULT_LIMITS.max_body_bytes - 1000)
    body = json.dumps(update).encode()
    assert len(body) <= DEFAULT_LIMITS.max_body_bytes
    assert await hook_env.post(body) == 200
    await hook_env.wait_sent(ADMIN_ID, 0)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b" " * 100_000

    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    async with httpx.AsyncClient(timeout=10) as client:
        with contextlib.suppress(httpx.HTTPError):
            response = await client.post(f"{hook_env.base}{HOOK_PATH}", content=chunks(),
                                         headers=headers)
            assert response.status_code == 400
    assert await stored_updates(hook_env) == 1


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("nested 5,000 deep", b'{"update_id": 1, "x": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
        ("nested 100 deep", b'{"update_id": 1, "x": ' + b"[" * 100 + b"]" * 100 + b"}"),
        ("update_id 2**70", json.dumps({"update_id": 2**70, "message": {}}).encode()),
        ("update_id -1", b'{"update_id": -1, "message": {}}'),
        ("update_id 1.5", b'{"update_id": 1.5, "message": {}}'),
        ("chat id 2**70", json.dumps(staff_update("/help") | {"x": {"id": 2**70}}).encode()),
        ("NaN", b'{"update_id": 5, "message": {"date": NaN}}'),
        ("1e999", b'{"update_id": 5, "message": {"date": 1e999}}'),
        ("an array", b"[1, 2]"),
        ("a string", b'"update"'),
        ("null", b"null"),
        ("not UTF-8", b'{"update_id": 5, "x": "\xff\xfe"}'),
        ("5,000 digits", b'{"update_id": ' + b"9" * 5000 + b"}"),
    ],
)
def test_parse_update_refuses_what_no_update_holds(name: str, body: bytes) -> None:
    """Deep nesting, numbers beyond BIGINT or not finite, a non-object: None, no raise."""
    assert parse_update(body) is None, name


def test_parse_update_takes_a_real_update() -> None:
    """A Telegram update (ids of 52 bits, nested a few levels) parses to its id and body."""
    update = staff_update("/help", update_id=2**31 + 7)
    update["message"]["chat"]["id"] = -(10**12) - 5
    assert parse_update(json.dumps(update).encode()) == (2**31 + 7, update)


async def hostile_json_is_refused(url: str) -> None:
    """JSON nested 5,000 deep (was 500: RecursionError), update_id = 2**70 (was 503: the
    database overflowed, so Telegram would retry it for ever), a non-object: each a 400,
    nothing stored, no error logged; a real update still goes through afterwards."""
    async with running_webhook_bot(url) as env:
        bodies = [
            b'{"update_id": 1, "x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
            b"[" * 5000 + b"]" * 5000,
            json.dumps({"update_id": 2**70, "message": {"text": "hi"}}).encode(),
            json.dumps(staff_update("/help", update_id=9) | {"x": -(2**64)}).encode(),
            b'{"update_id": 5, "message": {"date": NaN}}',
            b"42",
        ]
        for body in bodies:
            assert await env.post(body) == 400, body[:40]
        assert await stored_updates(env) == 0
        assert await env.post(json.dumps(staff_update("/help", update_id=10))) == 200
        await env.wait_sent(ADMIN_ID, 0)
        metrics = (await env.get("/metrics")).text
        assert f'aftercare_webhook_requests_total{{outcome="bad_request"}} {len(bodies)}.0' in (
            metrics
        )
        text = env.logs.text()
        assert "Traceback" not in text and "RecursionError" not in text
        assert not [r for r in env.logs.records if r.levelname in ("ERROR", "CRITICAL")]


async def test_hostile_json_is_a_400_never_a_500_or_503_on_sqlite(tmp_path: Path) -> None:
    """Deep nesting, 2**70, NaN, a non-object: 400 each on SQLite, nothing stored or logged."""
    await hostile_json_is_refused(f"sqlite+aiosqlite:///{tmp_path / 'hook.db'}")


async def test_hostile_json_is_a_400_never_a_500_or_503_on_postgresql(
    pg_database_url: str,
) -> None:
    """The same on PostgreSQL, where 2**70 overflowed BIGINT and NaN is not valid json."""
    await hostile_json_is_refused(pg_database_url)


async def test_slow_and_idle_connections_are_closed_after_the_timeouts(
    tmp_path: Path,
) -> None:
    """Headers sent by halves, a body that stops after 10 of 100 bytes, and a connection
    that says nothing are each closed by the server once the timeout passes (before: held
    for an hour, or for ever); a prompt request on the same server still gets its 200."""
    async with limited_webhook_bot(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}", SHORT) as env:
        started = time.monotonic()
        slow_head, slow_body, silent = await asyncio.gather(
            exchange(env.port, b"POST /telegram/hook HTTP/1.1\r\nHost: bot\r\n", wait=5),
            exchange(env.port, head(100) + b'{"update_', wait=5),
            exchange(env.port, b"", wait=5),
        )
        elapsed = time.monotonic() - started
        assert (slow_head, slow_body, silent) == (b"", b"", b"")  # closed without a word
        assert elapsed < 3, f"connections held {elapsed:.1f} s"
        assert await env.post(json.dumps(staff_update("/help", update_id=11))) == 200


async def test_healthz_and_updates_are_served_while_300_slow_connections_hang(
    hook_env: WebhookBotEnv,
) -> None:
    """300 connections that never finish their headers (within the default 10 s timeout):
    /healthz still answers in well under a second and an update is still accepted."""
    writers = []
    try:
        for _ in range(300):
            _reader, writer = await asyncio.open_connection("127.0.0.1", hook_env.port)
            writer.write(b"POST /telegram/hook HTTP/1.1\r\nHost: bot\r\n")
            writers.append(writer)
        await asyncio.sleep(0.2)
        started = time.monotonic()
        health = await hook_env.get("/healthz")
        latency = time.monotonic() - started
        assert health.status_code == 200 and latency < 1.0, latency
        assert await hook_env.post(json.dumps(staff_update("/help", update_id=12))) == 200
    finally:
        for writer in writers:
            writer.close()


# The server alone, in a process whose open-file limit is tiny, so that 120 connections
# exhaust it; logging is the production set-up. It prints its port, then serves.
EXHAUSTED_SERVER = """
import asyncio, resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48))
import tornado.web
from app.settings import Settings
from ops.http import HttpServer, ServerLimits
from ops.logging_setup import configure_logging

class Ok(tornado.web.RequestHandler):
    def get(self) -> None:
        self.finish("ok")

async def main() -> None:
    configure_logging(Settings())
    limits = ServerLimits(header_timeout=1.0, body_timeout=1.0, open_files=48)
    server = HttpServer(tornado.web.Application([("/healthz", Ok)]), "127.0.0.1:0", limits)
    await server.start()
    print(server.port, flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


async def test_out_of_descriptors_the_server_recovers_without_a_log_flood(
    tmp_path: Path,
) -> None:
    """120 slow connections against a 48-descriptor process: accept pauses instead of
    spinning, the slow ones time out, /healthz is answered within a few seconds, and the
    log holds a handful of lines (before: thousands of "Too many open files" a second)."""
    log_path = tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AFTER"))}
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: ASYNC220, S603 - returns at once; our code
            [sys.executable, "-c", EXHAUSTED_SERVER], cwd=REPO, env=env,
            stdout=subprocess.PIPE, stderr=log,
        )
    try:
        assert process.stdout is not None
        line = await asyncio.to_thread(process.stdout.readline)
        port = int(line)
        writers = []
        for _ in range(120):
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            writers.append(writer)
        started = time.monotonic()
        async with httpx.AsyncClient(timeout=15) as client:
            health = await client.get(f"http://127.0.0.1:{port}/healthz")
        latency = time.monotonic() - started
        for writer in writers:
            writer.close()
        assert health.status_code == 200 and latency < 8, latency
        await asyncio.sleep(1.0)
    finally:
        process.terminate()
        process.wait(10)
    lines = log_path.read_text(errors="replace").splitlines()
    assert any("event=http_accept_paused" in line for line in lines)
    assert len(lines) < 40, "\n".join(lines[:20])
    assert "Traceback" not in "\n".join(lines)
