"""The database URL rule: plain URLs get the async driver we ship, others are refused."""

from __future__ import annotations

import pytest

from storage.database import async_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///data/aftercare.db", "sqlite+aiosqlite:///data/aftercare.db"),
        ("postgresql://u:p@db/aftercare", "postgresql+asyncpg://u:p@db/aftercare"),
        ("postgres://u@db/aftercare", "postgresql+asyncpg://u@db/aftercare"),
        ("sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite:///:memory:"),
        ("postgresql+asyncpg://db/x", "postgresql+asyncpg://db/x"),
    ],
)
def test_async_url_picks_the_shipped_driver(given: str, expected: str) -> None:
    """Plain sqlite:// and postgresql:// (or postgres://) get the driver; async ones stay."""
    assert async_url(given) == expected


@pytest.mark.parametrize("given", ["mysql://db/x", "postgresql+psycopg2://db/x", "data.db", ""])
def test_async_url_refuses_other_databases(given: str) -> None:
    """Anything else is a ValueError with the message settings show."""
    with pytest.raises(ValueError, match=r"^expected an sqlite:// or postgresql:// URL$"):
        async_url(given)
