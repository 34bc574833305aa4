"""INSERT ... ON CONFLICT DO NOTHING for both backends, so idempotent writes need no retries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base


def insert_ignoring_conflicts(
    session: AsyncSession, model: type[Base], index_elements: Sequence[str]
) -> Insert:
    """A Core INSERT into `model`'s table that silently skips rows clashing on `index_elements`.

    Core, not ORM: callers pass column values and read `rowcount` for what was inserted.
    """
    table = cast(Table, model.__table__)
    dialect = session.get_bind().dialect.name
    statement: Any
    if dialect == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(
            index_elements=list(index_elements)
        )
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing(
            index_elements=list(index_elements)
        )
    else:  # pragma: no cover - only the two shipped backends are supported
        raise NotImplementedError(f"no ON CONFLICT support for {dialect}")
    return statement  # type: ignore[no-any-return]
