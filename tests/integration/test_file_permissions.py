"""The SQLite database holds patients' words: its folder is 0700 and its files 0600, whatever
the umask (they were 0755 and 0644: readable by every local user)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.database import create_engine, migrate_async
from tests.integration.services_support import REPO


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o002, 0o000], ids=lambda mask: f"umask{mask:03o}")
def loose_umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The process umask set to a permissive value for the test (the usual 022, and worse)."""
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


async def test_engine_creates_folders_0700_and_database_wal_shm_0600(
    tmp_path: Path, loose_umask: int
) -> None:
    """A fresh path two folders deep: both folders 0700; the database and, while a
    connection has written, its -wal and -shm files 0600."""
    path = tmp_path / "data" / "clinic" / "aftercare.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate_async(engine)
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE scratch (x INTEGER)"))
            await connection.execute(text("INSERT INTO scratch VALUES (1)"))
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM scratch")) == 1
            files = {p.name: mode(p) for p in path.parent.iterdir()}
    finally:
        await engine.dispose()
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "data" / "clinic") == 0o700
    assert files == {
        "aftercare.db": 0o600, "aftercare.db-wal": 0o600, "aftercare.db-shm": 0o600,
    }


async def test_an_existing_folder_and_database_keep_their_modes(tmp_path: Path) -> None:
    """The bot never chmods what it did not create (the folder may be /opt/... chosen by
    the operator); docs/deploy.md says how to tighten an older install."""
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o750)
    os.chmod(folder, 0o750)  # noqa: S103 - an operator's choice, on purpose
    path = folder / "aftercare.db"
    path.touch()
    os.chmod(path, 0o640)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate_async(engine)
    finally:
        await engine.dispose()
    assert (mode(folder), mode(path)) == (0o750, 0o640)


def test_run_bot_migrate_creates_data_0700_and_database_0600(
    tmp_path: Path, loose_umask: int
) -> None:
    """`run_bot.py migrate` (what ./scripts/run-bot and the unit's ExecStartPre run) under
    the given umask leaves data/ 0700 and the database 0600."""
    path = tmp_path / "data" / "aftercare.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AFTER"))}
    env["DATABASE_URL"] = f"sqlite:///{path}"
    env["CONTENT_DIR"] = str(REPO / "content")
    done = subprocess.run(
        [sys.executable, "run_bot.py", "migrate"], cwd=REPO, env=env, capture_output=True,
        timeout=120, umask=loose_umask, check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert mode(tmp_path / "data") == 0o700
    assert mode(path) == 0o600
    for leftover in path.parent.iterdir():
        assert mode(leftover) == 0o600, leftover.name
