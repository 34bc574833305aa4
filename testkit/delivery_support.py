"""Shared set-up for the delivery tests and benchmarks: schema, seeding, outcome queries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from jobs.config import DeliverySettings
from storage.database import create_engine, migrate_async
from storage.outbox import MESSAGES, PATIENTS

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 11:30 in Asia/Kolkata: outside quiet hours


def fast_settings(**overrides: Any) -> DeliverySettings:
    """Delivery settings for tests: no quiet hours, small lease, tiny backoff."""
    values: dict[str, Any] = {
        "quiet_hours": None,
        "poll_seconds": 0.2,
        "rate_per_second": 1000,
        "per_chat_seconds": 0,
        "batch_size": 200,
        "lease_seconds": 5,
        "max_attempts": 3,
        "backoff_base_seconds": 0.01,
        "backoff_max_seconds": 0.05,
    }
    values.update(overrides)
    # model_construct skips validation so benchmarks may go past the 1000/s settings cap.
    return DeliverySettings.model_construct(**values)


async def fresh_engine(url: str) -> AsyncEngine:
    """An engine on `url` with the schema migrated (and any previous rows removed)."""
    engine = create_engine(url)
    await migrate_async(engine)
    tables = "scheduled_messages, chat_pacing, delivery_pacing, enrollments, patients"
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # The PostgreSQL database lives for the whole session: restart ids for each test.
            await conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        else:
            for table in tables.split(", "):
                await conn.exec_driver_sql(f"DELETE FROM {table}")  # noqa: S608 - fixed names
    return engine


async def seed(
    engine: AsyncEngine,
    count: int,
    *,
    chats: int | None = None,
    due: datetime = T0,
    spread: timedelta = timedelta(0),
    expires: timedelta | None = timedelta(hours=6),
    timezone: str = "Asia/Kolkata",
    first_chat: int = 1000,
    created: datetime = T0,
    grouped: bool = False,
) -> list[int]:
    """`count` pending messages round-robin over `chats` patients (one chat each), or
    `grouped` (each chat's messages consecutive).

    Due times are spread evenly over `spread` from `due`. Returns the chat ids.
    """
    chats = chats or count
    chat_ids = [first_chat + i for i in range(chats)]
    patients = [
        {"id": i + 1, "chat_id": chat, "language": "en", "timezone": timezone,
         "status": "active", "created_at": created}
        for i, chat in enumerate(chat_ids)
    ]
    rows = []
    per_chat = -(-count // chats)
    for n in range(count):
        when = due + (spread * n / count if count else timedelta(0))
        index = n // per_chat if grouped else n % chats
        rows.append({
            "patient_id": 1 + index, "chat_id": chat_ids[index],
            "step_id": f"step-{n}", "occurrence": 0, "kind": "reminder",
            "text": f"Reminder {n} &amp; care", "due_at": when, "available_at": when,
            "expires_at": when + expires if expires is not None else None,
            "status": "pending", "attempts": 0, "created_at": created,
            "moved_by_quiet_hours": False, "respects_quiet_hours": True,
        })
    async with engine.begin() as conn:
        for start in range(0, len(patients), 5000):
            await conn.execute(insert(PATIENTS), patients[start:start + 5000])
        for start in range(0, len(rows), 5000):
            await conn.execute(insert(MESSAGES), rows[start:start + 5000])
    return chat_ids


async def statuses(engine: AsyncEngine) -> Counter[str]:
    """How many messages are in each status."""
    m = MESSAGES
    async with engine.connect() as conn:
        result = await conn.execute(select(m.c.status, func.count()).group_by(m.c.status))
        return Counter({row[0]: row[1] for row in result})


async def rows(engine: AsyncEngine, ids: Sequence[int] | None = None) -> list[Any]:
    """Every message row (or those with `ids`), in id order."""
    m = MESSAGES
    query = select(m).order_by(m.c.id)
    if ids is not None:
        query = query.where(m.c.id.in_(list(ids)))
    async with engine.connect() as conn:
        return list((await conn.execute(query)).all())
