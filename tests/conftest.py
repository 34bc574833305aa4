"""Shared fixtures: databases for the storage suite (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

# As app.cli does for the real bot: PTB's RetryAfter in its timedelta form (no warning).
os.environ.setdefault("PTB_TIMEDELTA", "true")

from storage.database import create_engine, migrate, migrate_async, session_factory
from storage.text_catalogs import install_shipped
from testkit.postgres import empty_tables, scratch_database


def pytest_configure(config: pytest.Config) -> None:
    """The shipped patient texts (texts/*.toml), installed once as the app does at start-up."""
    install_shipped()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (skip, or fail in CI, without one)."""
    with scratch_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file for one test."""
    return f"sqlite+aiosqlite:///{tmp_path / 'aftercare.db'}"


# --- storage: one suite, both backends ------------------------------------------------

@pytest.fixture(scope="session")
def migrated_postgres_url(postgres_url: str) -> str:
    """The session's PostgreSQL database with the schema migrated once."""
    migrate(postgres_url)
    return postgres_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL per backend: a fresh SQLite file, or the session's migrated PostgreSQL."""
    if request.param == "postgres":
        return str(request.getfixturevalue("migrated_postgres_url"))
    return f"sqlite+aiosqlite:///{tmp_path / 'aftercare.db'}"


@pytest.fixture
async def db_engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database on each backend (PostgreSQL tables truncated per test)."""
    engine = create_engine(db_url)
    if engine.dialect.name == "postgresql":
        await empty_tables(engine)
    else:
        await migrate_async(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def engine(db_engine: AsyncEngine) -> AsyncEngine:
    """`db_engine` under the name the delivery tests use."""
    return db_engine


@pytest.fixture
def db_sessions(db_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Session factory over `db_engine` (use with storage.repositories.Store)."""
    return session_factory(db_engine)
