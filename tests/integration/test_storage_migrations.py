"""Migrations and engines on SQLite and PostgreSQL: schema matches models, reruns, races."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, Integer, MetaData, Table, insert, text

from storage.database import (
    alembic_config,
    create_engine,
    migrate,
    migrate_async,
    session_factory,
)
from storage.models import Base, CheckinAnswer, Patient
from storage.outbox import MESSAGES
from storage.patient_search import not_modelled
from testkit.postgres import scratch_database

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_differences(connection: Connection, metadata: MetaData) -> list[Any]:
    # The search index (FTS5 on SQLite, a trigram index on PostgreSQL) is no model.
    context = MigrationContext.configure(connection, opts={
        "compare_type": True, "include_name": lambda name, *_: not not_modelled(name)})
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


# --- 0002: queued alerts name their patient ----------------------------------------------

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _alert(text: str, **values: Any) -> dict[str, Any]:
    """A scheduled_messages row as revision 0001 knows it (no about_patient_id)."""
    return {
        "chat_id": -100500, "step_id": "alert", "occurrence": 0, "kind": "alert", "text": text,
        "due_at": T0, "moved_by_quiet_hours": False, "respects_quiet_hours": False,
        "status": "pending", "available_at": T0, "attempts": 0, "created_at": T0, **values,
    }


async def _seed_at_0001(url: str) -> dict[str, int]:
    """Migrate to 0001 and store a patient, queued alerts in the old wording, a reminder with
    a check-in answer; returns their ids by name."""
    engine = create_engine(url)
    try:
        await migrate_async(engine, "0001")
        async with engine.begin() as conn:
            patient = (await conn.execute(insert(Patient.__table__).values(
                label="L", language="en", timezone="UTC", status="active", created_at=T0,
            ).returning(Patient.__table__.c.id))).scalar_one()
            ids = {"patient": patient}
            rows = {
                "live": _alert(f"🚨 <b>Red flag</b> · #4\nPatient #{patient}: L\nWords"),
                "erased": _alert(f"Alert about patient #{patient} (details erased at the "
                                 "patient's request)."),
                "other": _alert("⚠️ Delivery failed for 2 message(s)."),
                "reminder": _alert("Patient #1: not an alert", kind="reminder",
                                   step_id="s", patient_id=patient),
            }
            for name, row in rows.items():
                ids[name] = (await conn.execute(
                    insert(MESSAGES).values(**row).returning(MESSAGES.c.id)
                )).scalar_one()
            await conn.execute(insert(CheckinAnswer.__table__).values(
                message_id=ids["reminder"], patient_id=patient, step_id="s", option_id="ok",
                escalated=False, answered_at=T0,
            ))
    finally:
        await engine.dispose()
    return ids


async def _downgrade(url: str, revision: str) -> None:
    engine = create_engine(url)

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()


async def _read(url: str, query: str) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(text(query))).all())
    finally:
        await engine.dispose()


def _alert_column_round_trip(url: str) -> None:
    ids = asyncio.run(_seed_at_0001(url))
    migrate(url)
    about = dict(asyncio.run(_read(url, "SELECT id, about_patient_id FROM scheduled_messages")))
    assert about == {
        ids["live"]: ids["patient"], ids["erased"]: ids["patient"],
        ids["other"]: None, ids["reminder"]: None,
    }
    asyncio.run(_downgrade(url, "0001"))
    rows = asyncio.run(_read(url, "SELECT * FROM scheduled_messages ORDER BY id"))
    assert len(rows) == 4 and "about_patient_id" not in rows[0]._fields
    assert asyncio.run(_read(url, "SELECT message_id FROM checkin_answers")) == [
        (ids["reminder"],)
    ]
    migrate(url)
    assert asyncio.run(_read(url, "SELECT count(about_patient_id) FROM scheduled_messages")) == [
        (2,)
    ]


def test_0002_fills_alert_patients_and_downgrades_on_sqlite(tmp_path: Path) -> None:
    """Upgrading to 0002 names the patient of alerts queued in the old wording; downgrading
    drops the column and keeps every message and check-in answer; upgrading again works."""
    _alert_column_round_trip(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
def test_0002_fills_alert_patients_and_downgrades_on_postgres() -> None:
    """The same upgrade, downgrade and upgrade on a fresh PostgreSQL database."""
    with scratch_database() as url:
        _alert_column_round_trip(url)
