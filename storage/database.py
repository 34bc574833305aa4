"""The database edge: async engines, sessions, and Alembic migrations run from code."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Any fixed 64-bit number works; every process that migrates must use the same one.
MIGRATION_LOCK_KEY = 0x41_46_54_45_52_43_41_52  # "AFTERCAR"

SQLITE_BUSY_TIMEOUT_MS = 30_000
# The database holds patients' words: only the bot's own user may read it. SQLite gives the
# -wal and -shm files the database file's mode, so creating that one 0600 covers all three.
SQLITE_DIR_MODE = 0o700
SQLITE_FILE_MODE = 0o600

# Alembic keeps the running migration in module globals (alembic.context, alembic.op), so two
# threads of one process must not migrate at once; other processes are held off by the
# PostgreSQL advisory lock.
_ALEMBIC_IN_PROCESS = threading.Lock()

# Plain scheme -> the same scheme with the async driver we ship.
_ASYNC_DRIVERS = (
    ("sqlite://", "sqlite+aiosqlite://"),
    ("postgresql://", "postgresql+asyncpg://"),
    ("postgres://", "postgresql+asyncpg://"),
)
_SHIPPED_DRIVERS = ("sqlite+aiosqlite://", "postgresql+asyncpg://")


def async_url(url: str) -> str:
    """The URL with the async driver we ship: plain sqlite:// and postgresql:// (or
    postgres://) get it, URLs that name it already stay; anything else raises ValueError."""
    for plain, driver in _ASYNC_DRIVERS:
        if url.startswith(plain):
            return driver + url[len(plain) :]
    if not url.startswith(_SHIPPED_DRIVERS):
        raise ValueError("expected an sqlite:// or postgresql:// URL")
    return url


def create_engine(url: str) -> AsyncEngine:
    """An engine for `url`: SQLite tuned for several writers, PostgreSQL that survives restarts."""
    url = async_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            create_private_file(Path(database).expanduser())
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        return engine
    # pre-ping replaces connections a database restart killed, instead of failing once per
    # pooled connection.
    return create_async_engine(url, pool_pre_ping=True)


def create_private_file(path: Path) -> None:
    """Create the SQLite file (empty is a valid database) 0600, and any missing folders on
    its way 0700, whatever the umask; an existing file or folder keeps its mode (the
    operator may have chosen it; docs/deploy.md says how to tighten an old install)."""
    missing: list[Path] = []
    folder = path.parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=SQLITE_DIR_MODE)
        except FileExistsError:  # another process made it meanwhile
            continue
        os.chmod(folder, SQLITE_DIR_MODE)  # mkdir's mode is masked by the umask
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SQLITE_FILE_MODE)
    except FileExistsError:
        return
    try:
        os.fchmod(descriptor, SQLITE_FILE_MODE)
    finally:
        os.close(descriptor)


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work while a writer commits; busy_timeout makes a second writer wait
    # instead of failing at once; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose loaded values stay readable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration pointing at our migration scripts (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser treats % as interpolation; a password may contain one.
        config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        # Released at commit; a second process waits here, then finds the work done.
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
        )
    config = alembic_config()
    config.attributes["connection"] = connection
    with _ALEMBIC_IN_PROCESS:
        command.upgrade(config, revision)


async def migrate_async(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema up to `revision` in one transaction (safe to call from many processes)."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


def migrate(url: str, revision: str = "head") -> None:
    """Synchronous `alembic upgrade head` for the CLI and start-up (not inside an event loop)."""

    async def run() -> None:
        engine = create_engine(url)
        try:
            await migrate_async(engine, revision)
        finally:
            await engine.dispose()

    asyncio.run(run())
