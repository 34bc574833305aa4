"""Migration 0007 (the console's indexes) upgrades, downgrades to 0006 and upgrades again on
SQLite and PostgreSQL, keeping the rows; PostgreSQL's label index has text_pattern_ops."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, text

from storage.database import alembic_config, create_engine, migrate
from testkit.postgres import scratch_database

INDEXES = {"ix_messages_finished", "ix_messages_patient_status", "ix_audit_target_at",
           "ix_audit_detail_at", "ix_patients_label_prefix"}
LISTING = {
    "sqlite": "SELECT name, sql FROM sqlite_master WHERE type = 'index'",
    "postgresql": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
}


async def _run(url: str, *, downgrade_to: str | None = None, sql: str | None = None
               ) -> list[Any]:
    engine = create_engine(url)

    def down(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, downgrade_to or "")

    try:
        async with engine.begin() as connection:
            if downgrade_to is not None:
                await connection.run_sync(down)
            result = await connection.execute(text(sql or LISTING[engine.dialect.name]))
            return list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()


def _indexes(url: str) -> dict[str, str]:
    return {name: definition or "" for name, definition in asyncio.run(_run(url))}


def _round_trip(url: str) -> dict[str, str]:
    migrate(url)
    asyncio.run(_run(url, sql="INSERT INTO patients (label, language, timezone, status, "
                              "created_at) VALUES ('Asha', 'en', 'UTC', 'invited', "
                              "'2026-03-02 05:00:00')"))
    assert set(_indexes(url)) >= INDEXES
    asyncio.run(_run(url, downgrade_to="0006"))
    assert not INDEXES & set(_indexes(url))
    migrate(url)
    found = _indexes(url)
    assert set(found) >= INDEXES
    assert asyncio.run(_run(url, sql="SELECT label FROM patients")) == [("Asha",)]
    return found


def test_0007_round_trip_on_sqlite(tmp_path: Path) -> None:
    """Up, down to 0006 and up again on SQLite: the indexes come and go, the rows stay."""
    found = _round_trip(f"sqlite+aiosqlite:///{tmp_path / 'indexes.db'}")
    assert "lower(label)" in found["ix_patients_label_prefix"]


@pytest.mark.postgres
def test_0007_round_trip_on_postgres() -> None:
    """The same on PostgreSQL; the label index serves LIKE 'prefix%' in any collation."""
    with scratch_database() as url:
        found = _round_trip(url)
    assert "lower((label)::text) text_pattern_ops" in found["ix_patients_label_prefix"]
