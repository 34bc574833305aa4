"""Alembic environment: runs migrations on a connection we are handed, or on DATABASE_URL."""

from __future__ import annotations

import asyncio
import os
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from storage.database import async_url
from storage.models import Base, EnumString, UTCDateTime
from storage.patient_search import not_modelled

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, _autogen_context: AutogenContext) -> str | Literal[False]:
    """Write our column types as the plain types they store, so scripts stay stable."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, EnumString):
        return f"sa.String(length={obj.length})"
    return False


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    """The search index (an FTS5 table on SQLite, a trigram index on PostgreSQL) is made by
    its migration and is no model: autogenerate leaves it alone."""
    return not not_modelled(name)


def configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_on_url(url: str) -> None:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(configure_and_run)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        # storage.database.migrate: the caller owns the connection, transaction and lock.
        configure_and_run(connection)
        return
    # The alembic command line (e.g. `alembic -c storage/alembic.ini revision --autogenerate`).
    url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set DATABASE_URL (or sqlalchemy.url) to run Alembic from the shell")
    asyncio.run(run_on_url(url))


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
