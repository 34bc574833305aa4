"""The patient search: any part of the label, in any case, served by a trigram index on
both databases (migration 0010): an FTS5 table with the trigram tokenizer on SQLite, a
pg_trgm GIN index on lower(label) on PostgreSQL.

Both index trigrams, so a search of three characters or more is read from the index; a
shorter one ("al") reads the table newest first until the page is full (there is no
trigram to look up; at 100,000 patients a two-letter search that matches nobody reads
them all, about 20 ms). The two backends answer the same search alike.
"""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    Select,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Patient

TRIGRAM = 3  # the shortest text a trigram index can look up
# Objects of the search index that are not models (the schema comparison skips them).
SQLITE_INDEX = "patients_search"  # and its FTS5 shadow tables, patients_search_*
POSTGRES_INDEX = "ix_patients_label_trgm"

_fts = table(SQLITE_INDEX, column("rowid"))


def not_modelled(name: str | None) -> bool:
    """Whether a table or index of that name belongs to the search index, not the models."""
    if not name:
        return False
    return name in (SQLITE_INDEX, POSTGRES_INDEX) or name.startswith(SQLITE_INDEX + "_")


def _phrase(text: str) -> str:
    """An FTS5 phrase: the trigram tokenizer matches it as a substring, case-folded."""
    return '"' + text.strip().replace('"', '""') + '"'


def newest_matches(text: str, *, before: int | None, count: int) -> Select[tuple[int]]:
    """SQLite: the ids of the newest `count` labels containing `text` (below `before`),
    which FTS5 reads from its index backwards, stopping there (three characters or more)."""
    query = select(_fts.c.rowid).where(literal_column(SQLITE_INDEX).op("MATCH")(_phrase(text)))
    if before is not None:
        query = query.where(_fts.c.rowid < before)
    return query.order_by(_fts.c.rowid.desc()).limit(count)


def label_contains(session: AsyncSession, text: str, *, or_id: int | None = None
                   ) -> ColumnElement[bool]:
    """The label contains `text` anywhere, in any case (or, `or_id`, the id is that)."""
    needle = text.strip()
    dialect = session.get_bind().dialect.name
    if len(needle) >= TRIGRAM and dialect == "sqlite":
        matching = select(_fts.c.rowid).where(
            literal_column(SQLITE_INDEX).op("MATCH")(_phrase(needle)))
        if or_id is not None:
            # One set of ids, read by primary key ("2231": patient 2231 and file 2231),
            # rather than an OR that walks the whole table.
            return Patient.id.in_(union_all(matching, select(literal(or_id))))
        return Patient.id.in_(matching)
    # LIKE on lower(label), the pattern made here: PostgreSQL's GIN trigram index serves
    # it, and a prepared statement's generic plan compares against one parameter rather
    # than building the pattern (like_escape) for every row. Backslash escapes % and _
    # (PostgreSQL's default escape; SQLite needs it named).
    escaped = needle.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    if dialect == "postgresql":
        found = func.lower(Patient.label).like(pattern)
    else:
        found = func.lower(Patient.label).like(pattern, escape="\\")
    return found if or_id is None else or_(Patient.id == or_id, found)
