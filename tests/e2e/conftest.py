"""Fixtures for end-to-end tests: a running bot on SQLite (and on PostgreSQL for key flows)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from testkit.fakes.bot_api import FakeBotApi
from testkit.postgres import scratch_database
from tests.e2e.harness import ALERT_CHAT_ID, BotEnv, running_bot


@pytest.fixture
async def bot_env(tmp_path: Path) -> AsyncIterator[BotEnv]:
    """The real bot on a fresh SQLite file, fake API, fake clock, default quiet hours."""
    async with running_bot(f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}") as env:
        yield env


@pytest.fixture
def make_bot_env(tmp_path: Path) -> Callable[..., AbstractAsyncContextManager[BotEnv]]:
    """`async with make_bot_env(quiet_hours=None) as env:` for tests that need other settings."""
    counter = iter(range(1000))

    def make(**options: Any) -> AbstractAsyncContextManager[BotEnv]:
        return running_bot(f"sqlite+aiosqlite:///{tmp_path / f'e2e{next(counter)}.db'}", **options)

    return make


@pytest.fixture
def pg_database_url() -> Iterator[str]:
    """A scratch PostgreSQL database for one test (skips without PostgreSQL, fails in CI)."""
    with scratch_database() as url:
        yield url


@pytest.fixture
async def bot_env_pg(pg_database_url: str) -> AsyncIterator[BotEnv]:
    """The real bot on PostgreSQL."""
    async with running_bot(pg_database_url) as env:
        yield env


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database per test, once per backend: an SQLite file, a scratch PostgreSQL."""
    if request.param == "postgres":
        with scratch_database() as url:
            yield url
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}"


def forum_staff_chat(api: FakeBotApi) -> None:
    """The staff chat as a forum supergroup (topics on)."""
    api.group(ALERT_CHAT_ID, "Clinic staff", forum=True)


@pytest.fixture
async def forum_bot(any_database_url: str) -> AsyncIterator[BotEnv]:
    """The real bot with a forum staff chat, on each backend."""
    async with running_bot(any_database_url, configure_api=forum_staff_chat) as env:
        yield env


@pytest.fixture
async def plain_bot(any_database_url: str) -> AsyncIterator[BotEnv]:
    """The real bot with a staff group without topics, on each backend."""
    async with running_bot(any_database_url) as env:
        yield env
