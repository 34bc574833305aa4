"""The `[console]` settings section: where the staff console is served and how long sign-ins
last. The console is off while `url` is unset (PRODUCT.md 3.2, `CONSOLE_URL`)."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from core.config import Section

CONSOLE_PATH = "/console"  # where the pages are mounted on the bot's HTTP server


class ConsoleSettings(Section):
    # Public base URL of the console, e.g. "https://clinic.example/console"; unset = off.
    url: str | None = None
    # How long a sign-in link from /console may wait before it is used (single use anyway).
    link_minutes: float = Field(default=10, gt=0, le=60)
    # How long a signed-in browser stays signed in (it signs out sooner with "Sign out").
    session_hours: float = Field(default=12, gt=0, le=24 * 7)
    # How old a Mini App's initData may be (its auth_date) when it signs in.
    webapp_max_age_seconds: int = Field(default=3600, ge=30, le=86400)
    # The session cookie's SameSite: "Lax" suits a browser and Telegram's apps; "None"
    # (https only) lets the Mini App keep its session inside Telegram Web's iframe too.
    cookie_samesite: Literal["Strict", "Lax", "None"] = "Lax"

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("expected the console's public URL, e.g. https://clinic.example/console")
        if parts.query or parts.fragment:
            raise ValueError("expected a URL without ?query or #fragment")
        return value.rstrip("/")

    @property
    def enabled(self) -> bool:
        return self.url is not None

    @property
    def secure(self) -> bool:
        """Cookies carry Secure: the console is reached over HTTPS."""
        return (self.url or "").startswith("https://")

    def link(self, path: str) -> str:
        """The public URL of a console path ("/signin?t=..." -> ".../console/signin?t=...")."""
        base = self.url or CONSOLE_PATH
        return f"{base}{path}"
