"""Data rights from the command line: `patient export <id>` and `patient forget <id>` (JSON out)."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from storage.database import create_engine, migrate_async, session_factory
from storage.patient_data import collect_patient_data, forget_patient_data, patient_target
from storage.repositories import Repositories

EXIT_NOT_FOUND = 1


def to_json(data: Any) -> str:
    """Readable, stable JSON: ISO-8601 times, non-ASCII kept (Hindi stays Hindi)."""

    def default(value: Any) -> Any:
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, tuple | set | frozenset):
            return list(value)
        return str(value)

    return json.dumps(data, indent=2, ensure_ascii=False, default=default)


@asynccontextmanager
async def _session(settings: Settings) -> AsyncIterator[AsyncSession]:
    """One transaction on an up-to-date schema (migrations are idempotent, as at start-up)."""
    engine = create_engine(settings.database.url)
    try:
        await migrate_async(engine)
        async with session_factory(engine)() as session, session.begin():
            yield session
    finally:
        await engine.dispose()


def _not_found(patient_id: int) -> int:
    print(f"No patient {patient_id}. `/patients` in the bot lists the ids.", file=sys.stderr)
    return EXIT_NOT_FOUND


async def export_patient(settings: Settings, patient_id: int) -> str | int:
    """Everything stored about the patient as JSON (exit 1 if there is no such patient)."""
    async with _session(settings) as session:
        data = await collect_patient_data(session, patient_id)
    if data is None:
        return _not_found(patient_id)
    return to_json({"exported_at": datetime.now(UTC), **data})


async def forget_patient(
    settings: Settings, patient_id: int, *, now: datetime | None = None
) -> str | int:
    """Erase the patient's personal data (as /forget does), audited; prints what was done."""
    now = now or datetime.now(UTC)
    async with _session(settings) as session:
        done = await forget_patient_data(
            session, patient_id, now, staff_ids=settings.staff.admin_ids
        )
        if done:
            await Repositories(session).audit.record(
                actor_id=None, action="patient.forget", outcome="ok",
                target=patient_target(patient_id), detail="command line", now=now,
            )
    if not done:
        return _not_found(patient_id)
    return to_json({"patient_id": patient_id, "forgotten": True, "forgotten_at": now})
