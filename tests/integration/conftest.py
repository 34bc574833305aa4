"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from testkit.fakes.bot_api import FakeBotApi
from testkit.ptb_apps import TOKEN


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A fake server in the test's loop."""
    async with FakeBotApi(token=TOKEN, username="aftercare_test_bot") as server:
        yield server
