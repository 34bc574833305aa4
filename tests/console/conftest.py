"""Fixtures for the console tests: a context over SQLite (and PostgreSQL), the console
served over it, and clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from core.clock import FakeClock
from services.context import AppContext
from storage.repositories import Store
from tests.console.support import Console, serving
from tests.integration.services_support import NOW, REPO, context_on

ADMIN = 1000
STAFF = 2000
STRANGER = 3000


@pytest.fixture
async def ctx(db_url: str) -> AsyncIterator[AppContext]:
    """A real AppContext on each backend (shipped content, admin 1000, staff 2000)."""
    context = await context_on(db_url, clinic="Sunrise & Co")  # admin 1000 (ADMIN)
    async with Store(context.sessions) as store:
        await store.staff.add(STAFF, ADMIN, NOW)
    yield context
    await context.engine.dispose()


@pytest.fixture
async def console(ctx: AppContext) -> AsyncIterator[Console]:
    async with serving(lambda: ctx, content_dir=REPO / "content") as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=15) as http:
        yield http


def clock_of(ctx: AppContext) -> FakeClock:
    assert isinstance(ctx.clock, FakeClock)
    return ctx.clock


__all__ = ["ADMIN", "STAFF", "STRANGER", "Path", "clock_of"]
