"""Migrations and engines on SQLite and PostgreSQL: schema matches models, reruns, races."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, Integer, MetaData, Table, text

from storage.database import (
    alembic_config,
    create_engine,
    migrate,
    migrate_async,
    session_factory,
)
from storage.models import Base
from testkit.postgres import scratch_database

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_differences(connection: Connection, metadata: MetaData) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def test_migrated_schema_matches_the_models(db_url: str) -> None:
    """`alembic check` in a test: the migrated database and Base.metadata do not differ."""
    engine = create_engine(db_url)
    try:
        await migrate_async(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(schema_differences, Base.metadata) == []
            # The comparison is live: a table the migration lacks is reported.
            extra = MetaData()
            for table in Base.metadata.sorted_tables:
                table.to_metadata(extra)
            Table("not_migrated", extra, Column("id", Integer, primary_key=True))
            differences = await connection.run_sync(schema_differences, extra)
            assert [d[0] for d in differences] == ["add_table"]
    finally:
        await engine.dispose()


async def test_migrate_twice_is_harmless(db_url: str) -> None:
    """Running the migrations again on a migrated database changes nothing and keeps the data."""
    engine = create_engine(db_url)
    try:
        await migrate_async(engine)
        async with session_factory(engine)() as session, session.begin():
            await session.execute(text("DELETE FROM delivery_pacing WHERE name = 'rerun'"))
            await session.execute(text("INSERT INTO delivery_pacing VALUES ('rerun', 1, 0)"))
        await migrate_async(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(current_revision) == HEAD
            kept = await connection.scalar(
                text("SELECT count(*) FROM delivery_pacing WHERE name = 'rerun'")
            )
            assert kept == 1
    finally:
        await engine.dispose()


def test_sync_migrate_on_a_new_sqlite_file(tmp_path: Path) -> None:
    """`migrate` (CLI and start-up) takes a plain sqlite:// URL, creates data/, and reruns."""
    path = tmp_path / "data" / "aftercare.db"
    migrate(f"sqlite:///{path}")
    migrate(f"sqlite:///{path}")
    assert path.exists()


async def test_sqlite_engine_pragmas(tmp_path: Path) -> None:
    """SQLite connections run in WAL mode, wait 30 s for locks and enforce foreign keys."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x' / 'y.db'}")
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("PRAGMA journal_mode")) == "wal"
            assert await connection.scalar(text("PRAGMA busy_timeout")) == 30_000
            assert await connection.scalar(text("PRAGMA foreign_keys")) == 1
    finally:
        await engine.dispose()
    assert (tmp_path / "x").is_dir()


@pytest.mark.postgres
def test_concurrent_migrations_on_postgres_do_not_collide() -> None:
    """Three processes migrating one fresh PostgreSQL database at once all succeed."""
    script = "import sys; from storage.database import migrate; migrate(sys.argv[1])"
    root = Path(__file__).resolve().parents[2]
    with scratch_database() as url:
        processes = [
            subprocess.Popen(  # noqa: S603 - our own interpreter running our own code
                [sys.executable, "-c", script, url], cwd=root, stderr=subprocess.PIPE, text=True
            )
            for _ in range(3)
        ]
        try:
            errors = [process.communicate(timeout=60)[1] for process in processes]
        finally:
            for process in processes:
                process.kill()
        assert [p.returncode for p in processes] == [0, 0, 0], errors
        rerun = subprocess.run(  # noqa: S603
            [sys.executable, "-c", script, url], cwd=root, capture_output=True, timeout=60
        )
        assert rerun.returncode == 0
