"""Shared by the console tests: a console served on a free port over a real AppContext, and
a staff member's browser-like client signed in through a one-time link."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import tornado.web

from console.routes import console_routes
from ops.health import health_routes
from ops.http import HttpServer, quiet_access_log
from ops.metrics import Metrics
from services.console_config import ConsoleSettings
from services.console_signin import issue_link
from services.context import AppContext

BOT_TOKEN = "424242:TEST-token_e2e-abcdefghijklmnopqrstu"
CSRF = re.compile(r'name="(?:_csrf" value|csrf" content)="([^"]+)"')
FORM_TOKEN = re.compile(r'name="_form" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Console:
    """A running console: its base URL, settings and the context it reads."""

    url: str
    settings: ConsoleSettings
    source: Callable[[], AppContext | None]

    @property
    def ctx(self) -> AppContext:
        ctx = self.source()
        assert ctx is not None
        return ctx


@asynccontextmanager
async def serving(
    source: Callable[[], AppContext | None], *, content_dir: Path | None = None,
    scheme: str = "http", **options: object,
) -> AsyncIterator[Console]:
    """The console (plus /healthz) on 127.0.0.1 and a free port, as the bot mounts it
    (`scheme` "https": the public URL says https, as behind a TLS proxy)."""
    port = free_port()
    settings = ConsoleSettings(url=f"{scheme}://127.0.0.1:{port}/console", **options)
    metrics = Metrics()
    routes = [
        *health_routes(source, metrics),
        *console_routes(source, settings, bot_token=BOT_TOKEN, content_dir=content_dir,
                        metrics=metrics),
    ]
    server = HttpServer(tornado.web.Application(routes, log_function=quiet_access_log),
                        f"127.0.0.1:{port}")
    await server.start()
    try:
        yield Console(url=f"http://127.0.0.1:{port}", settings=settings, source=source)
    finally:
        await server.stop()


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None, "no CSRF field on the page"
    return found.group(1)


async def enroll_form_token(console: Console, client: httpx.AsyncClient) -> str:
    """The one-time token of a freshly opened Enroll form."""
    page = await client.get(f"{console.url}/console/enroll")
    found = FORM_TOKEN.search(page.text)
    assert found is not None, "no one-time token in the Enroll form"
    return found.group(1)


async def sign_in(console: Console, client: httpx.AsyncClient, user_id: int) -> str:
    """Sign `client` in as `user_id` by a fresh link; returns the signed-in CSRF token."""
    link = await issue_link(console.ctx, console.settings, user_id=user_id)
    assert link is not None
    page = await client.get(link.url)
    assert page.status_code == 200
    token = link.url.split("t=", 1)[1]
    done = await client.post(f"{console.url}/console/signin",
                             data={"_csrf": csrf_of(page.text), "t": token})
    assert done.status_code == 303, done.text
    today = await client.get(f"{console.url}/console/")
    assert today.status_code == 200 and "Sign out" in today.text
    return csrf_of(today.text)
