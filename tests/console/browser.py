"""A real Chromium for the console's browser tests (Debian's `chromium`, driven by
Playwright), and where their screenshots go. Without a browser the tests skip, except when
CI=true: then a missing browser fails them."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from testkit.postgres import in_ci

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}  # a phone, as inside Telegram's Mini App view


def chromium_path() -> str | None:
    wanted = os.environ.get("CONSOLE_CHROMIUM")
    for path in ((wanted,) if wanted else ()) + CANDIDATES:
        if path and Path(path).exists():
            return path
    return shutil.which("chromium")


def unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"CI=true and the browser tests need Chromium: {reason}")
    pytest.skip(reason)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Chromium through Playwright (never a downloaded browser build)."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install playwright)")
    path = chromium_path()
    if path is None:
        unavailable("no Chromium found (apt-get install chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=path, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
def screenshots(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
                ) -> Path:
    """The folder this test's screenshots go to: $CONSOLE_SCREENSHOTS/<test>, else a folder
    under pytest's temporary directory (its path is printed)."""
    root = os.environ.get("CONSOLE_SCREENSHOTS")
    name = request.node.name.replace("[", "-").replace("]", "")
    folder = Path(root) / name if root else tmp_path_factory.mktemp(name)
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder}")
    return folder


async def unlabelled_controls(page: Any) -> list[str]:
    """Visible form controls without a label (a <label for>, a wrapping label or
    aria-label): what an accessibility check would flag first."""
    found: list[str] = await page.evaluate("""() => Array.from(
        document.querySelectorAll('input:not([type=hidden]), select, textarea'))
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
        .map(el => el.outerHTML)""")
    return found
