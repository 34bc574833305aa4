"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.application import open_context
from app.settings import Settings
from core.clock import FakeClock
from services.context import AppContext
from testkit.fakes.bot_api import FakeBotApi
from testkit.ptb_apps import TOKEN
from tests.integration.services_support import ALERTS, NOW, REPO, Delivery


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A fake server in the test's loop."""
    async with FakeBotApi(token=TOKEN, username="aftercare_test_bot") as server:
        yield server


@pytest.fixture
async def ctx(tmp_path: Path) -> AsyncIterator[AppContext]:
    """A real AppContext (built as start-up builds it) over a fresh SQLite database and the
    shipped content; delivery is a counter of wake() calls."""
    settings = Settings(
        database={"url": f"sqlite+aiosqlite:///{tmp_path / 'unit.db'}"},
        content={"dir": str(REPO / "content")},
        clinic={"name": "Sunrise & Co", "contact": "+91 1", "timezone": "Asia/Kolkata"},
        staff={"admin_ids": [1000], "alert_chat_id": ALERTS},
    )
    context = await open_context(
        settings, clock=FakeClock(NOW), delivery=Delivery(), bot_username="test_bot"
    )
    yield context
    await context.engine.dispose()
