"""The patient search: any part of the label, in any case, served by a trigram index on
both databases (migration 0010): an FTS5 table with the trigram tokenizer on SQLite, a
pg_trgm GIN index on lower(label) on PostgreSQL.

Both index trigrams, so a search of three characters or more is read from the index; a
shorter one ("al") reads the table newest first until the page is full (there is no
trigram to look up; at 100,000 patients a two-letter search that matches nobody reads
them all, about 20 ms). The two backends answer the same search alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
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


def _like_pattern(text: str) -> str:
    """LIKE's pattern for `text` anywhere, lower-cased, its % and _ escaped by backslash."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phrase(text: str) -> str:
    """An FTS5 phrase: the trigram tokenizer matches it as a substring, case-folded."""
    return '"' + text.strip().replace('"', '""') + '"'


def _fts_match(query: str) -> ColumnElement[bool]:
    """The FTS5 index matches `query` (phrases of `_phrase`, joined by AND)."""
    return literal_column(SQLITE_INDEX).op("MATCH")(query)


def _newest(match: str, *, before: int | None, count: int) -> Select[tuple[int]]:
    query = select(_fts.c.rowid).where(_fts_match(match))
    if before is not None:
        query = query.where(_fts.c.rowid < before)
    return query.order_by(_fts.c.rowid.desc()).limit(count)


# A search of several words is looked up by its rare words only. The trigram index answers
# a phrase by reading the entries of every trigram in it, and the words every label has
# ("file" in "Sunita Devi (file 12345)") have an entry per patient: "zoya mehta (file 4"
# read 100,000 of them at 100,000 patients (2.1 ms) where "zoya" AND "mehta" read 7,000
# (0.6 ms, the whole text then checked on each label found). Which words are rare, the
# newest labels tell (one read of SAMPLE rows).
SAMPLE = 200
COMMON = 0.2  # a word in more of the sampled labels than this is not looked up
CANDIDATES = 1500  # labels checked at most; more, and the phrase is looked up after all


async def newest_matches(session: AsyncSession, text: str, *, before: int | None,
                         count: int) -> list[int]:
    """SQLite: the ids of the newest `count` labels containing `text` (below `before`),
    newest first, read from the FTS5 index backwards (three characters or more)."""
    needle = text.strip()
    rare = await _rare_words(session, needle)
    if rare:
        query = (select(Patient.id, Patient.label)
                 .join(_fts, _fts.c.rowid == Patient.id)
                 .where(_fts_match(" AND ".join(_phrase(word) for word in rare))))
        if before is not None:
            query = query.where(Patient.id < before)
        found = (await session.execute(
            query.order_by(Patient.id.desc()).limit(CANDIDATES))).all()
        wanted = needle.casefold()
        matches = [row.id for row in found if row.label and wanted in row.label.casefold()]
        if len(found) < CANDIDATES or len(matches) >= count:
            return matches[:count]
    return list(await session.scalars(_newest(_phrase(needle), before=before, count=count)))


@dataclass(frozen=True, kw_only=True)
class Sample:
    """What the newest SAMPLE labels tell of a search: the share of them holding it whole,
    and its rare words (`_rare_words`)."""

    share: float
    rare: tuple[str, ...]


async def sample(session: AsyncSession, text: str) -> Sample | None:
    """PostgreSQL's look before a label search (one read of SAMPLE rows; None with fewer
    patients, when every plan is cheap): whether the newest patients will fill a page, and
    which words to look up in the trigram index."""
    needle = text.strip().casefold()
    labels = await _newest_labels(session)
    if labels is None:
        return None
    return Sample(share=sum(needle in label for label in labels) / len(labels),
                  rare=tuple(_rare_in(labels, needle)))


async def _rare_words(session: AsyncSession, needle: str) -> list[str]:
    """The words of a search of several that few of the newest labels hold (at most two,
    rarest first; a word under three letters cannot be looked up); none when the search is
    one word or every word is common."""
    if len(needle.split()) < 2:
        return []  # one word: its phrase is the word (no labels need reading)
    labels = await _newest_labels(session)
    return [] if labels is None else _rare_in(labels, needle)  # few patients: as quick


async def _newest_labels(session: AsyncSession) -> list[str] | None:
    """The newest SAMPLE labels, casefolded; None with fewer patients than that."""
    labels = [label.casefold() for label in await session.scalars(
        select(Patient.label).where(Patient.label.is_not(None))
        .order_by(Patient.id.desc()).limit(SAMPLE)) if label]
    return labels if len(labels) >= SAMPLE else None


def _rare_in(labels: list[str], needle: str) -> list[str]:
    """The words of `needle` (two or more) that few of `labels` (casefolded) hold: at most
    two, rarest first, of three letters or more."""
    if len(needle.split()) < 2:
        return []
    words = list(dict.fromkeys(w for w in needle.casefold().split() if len(w) >= TRIGRAM))
    share = {word: sum(word in label for label in labels) / len(labels) for word in words}
    return sorted((w for w in words if share[w] <= COMMON), key=share.__getitem__)[:2]


def label_contains(session: AsyncSession, text: str, *, or_id: int | None = None,
                   rare: tuple[str, ...] = ()) -> ColumnElement[bool]:
    """The label contains `text` anywhere, in any case (or, `or_id`, the id is that).
    `rare` (PostgreSQL): its rare words, which the trigram index looks up; the whole text
    is then checked on the labels found (strpos, which no index serves): "zoya mehta (file
    4" reads the entries of "zoya" and "mehta", not those of "file", which every label has."""
    needle = text.strip()
    dialect = session.get_bind().dialect.name
    if rare and dialect == "postgresql" and or_id is None:
        lowered = func.lower(Patient.label)
        return and_(*(lowered.like(_like_pattern(word)) for word in rare),
                    func.strpos(lowered, needle.lower()) > 0)
    if len(needle) >= TRIGRAM and dialect == "sqlite":
        matching = select(_fts.c.rowid).where(_fts_match(_phrase(needle)))
        if or_id is not None:
            # One set of ids, read by primary key ("2231": patient 2231 and file 2231),
            # rather than an OR that walks the whole table.
            return Patient.id.in_(union_all(matching, select(literal(or_id))))
        return Patient.id.in_(matching)
    # LIKE on lower(label), the pattern made here: PostgreSQL's GIN trigram index serves
    # it, and a prepared statement's generic plan compares against one parameter rather
    # than building the pattern (like_escape) for every row. Backslash escapes % and _
    # (PostgreSQL's default escape; SQLite needs it named).
    pattern = _like_pattern(needle)
    if dialect == "postgresql":
        found = func.lower(Patient.label).like(pattern)
    else:
        found = func.lower(Patient.label).like(pattern, escape="\\")
    return found if or_id is None else or_(Patient.id == or_id, found)
