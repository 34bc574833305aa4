"""Settings: `settings.toml` plus a fixed set of environment overrides (README, Configure).

Each layer declares the sections it reads (services/config.py, jobs/config.py); this module
adds the edge sections, composes them, and loads the file and the environment.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator

from core.config import Section as _Section
from jobs.config import DeliverySettings, RetentionSettings
from services.config import (
    ClinicSettings,
    CourseSettings,
    EscalationSettings,
    InviteSettings,
    StaffSettings,
)
from services.console_config import ConsoleSettings
from storage.database import async_url

DEFAULT_SETTINGS_FILE = "settings.toml"

# Environment variable -> (section, key). Deployments rely on these names: never rename one.
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "TELEGRAM_API_URL": ("telegram", "api_url"),
    "TELEGRAM_WEBHOOK_URL": ("telegram", "webhook_url"),
    "TELEGRAM_WEBHOOK_LISTEN": ("telegram", "webhook_listen"),
    "TELEGRAM_WEBHOOK_SECRET": ("telegram", "webhook_secret"),
    "DATABASE_URL": ("database", "url"),
    "CONTENT_DIR": ("content", "dir"),
    "STAFF_ADMIN_IDS": ("staff", "admin_ids"),
    "STAFF_ALERT_CHAT_ID": ("staff", "alert_chat_id"),
    "DELIVERY_POLL_SECONDS": ("delivery", "poll_seconds"),
    "CONSOLE_URL": ("console", "url"),
}

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# Why a number has the bound it has, added to pydantic's "less than or equal to ..." message.
BOUND_REASONS = {
    "delivery.poll_seconds": "an hour at most, or due messages wait that long",
    "delivery.per_chat_seconds": "a minute at most between two messages to one chat",
    "delivery.group_per_minute": "600 at most: Telegram allows about 20 in a group",
    "telegram.concurrent_updates": "512 at most: more only adds waiting on the database",
    "delivery.lease_seconds": "an hour at most, or a crashed sender's messages wait that long",
    "delivery.backoff_max_seconds": "a day at most between two tries of a message",
    "delivery.batch_size": "5000 at most per pass",
    "escalation.ack_minutes": "a day at most: a red flag must reach someone sooner",
    "escalation.patient_followup_minutes": "a day at most: a red flag must reach someone sooner",
    "escalation.repeat_minutes": (
        "half a minute to a day: faster floods on-call's chats, slower lets a red flag wait"
    ),
    "invites.ttl_days": "a year at most: an invite is for a session, not forever",
    "invites.nudge_hours": "30 days at most: a patient who has not joined needs a call sooner",
    "course.confirm_hours": "two weeks at most: nobody confirms a session further ahead",
    "retention.days": "ten years at most: longer keeps personal data no clinic needs",
    "retention.audit_days": "ten years at most: the audit trail is pruned daily after this",
    "telegram.connect_timeout": "five minutes at most",
    "telegram.read_timeout": "five minutes at most",
    "console.link_minutes": "an hour at most: a sign-in link is for now",
    "console.session_hours": "a week at most",
    "console.webapp_max_age_seconds": "a day at most",
}


def _host_port(value: str, *, allow_zero: bool) -> str:
    host, sep, port = value.rpartition(":")
    lowest = 0 if allow_zero else 1
    if not sep or not host or not (port.isascii() and port.isdigit()) or not (
        lowest <= int(port) < 65536
    ):
        raise ValueError("expected host:port, e.g. 127.0.0.1:8080")
    return value


class SettingsError(Exception):
    """Settings are missing or invalid; the message names each key and what is expected."""


class TelegramSettings(_Section):
    api_url: str = "https://api.telegram.org"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0:8443"
    webhook_secret: SecretStr | None = None
    # Whole-request timeouts for the Bot API client (seconds).
    connect_timeout: float = Field(default=5.0, gt=0, le=300)
    read_timeout: float = Field(default=10.0, gt=0, le=300)
    # Updates handled at once (different chats; one chat's stay in order): 1 = one by one.
    concurrent_updates: int = Field(default=32, ge=1, le=512)

    @field_validator("api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an https:// URL (http:// for a self-hosted Bot API)")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        return _host_port(value, allow_zero=False)


class DatabaseSettings(_Section):
    url: str = "sqlite+aiosqlite:///data/aftercare.db"

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """Accept plain URLs and pick the async driver we ship."""
        return async_url(value)


class ContentSettings(_Section):
    dir: Path = Path("content")


class LoggingSettings(_Section):
    level: str = "INFO"
    json_lines: bool = False

    @field_validator("level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}, got {value!r}")
        return value.upper()


class HealthSettings(_Section):
    # In polling mode a small server for /healthz and /metrics; empty = off.
    listen: str | None = None

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        return _host_port(value, allow_zero=True)


class Settings(_Section):
    """All settings. Build with `load_settings()` (the file, then the fixed environment
    names), never at import time."""

    bot_token: SecretStr | None = None
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    content: ContentSettings = Field(default_factory=ContentSettings)
    clinic: ClinicSettings = Field(default_factory=ClinicSettings)
    staff: StaffSettings = Field(default_factory=StaffSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    invites: InviteSettings = Field(default_factory=InviteSettings)
    escalation: EscalationSettings = Field(default_factory=EscalationSettings)
    course: CourseSettings = Field(default_factory=CourseSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    health: HealthSettings = Field(default_factory=HealthSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)

    @model_validator(mode="after")
    def _console_is_served(self) -> Settings:
        """The console is mounted on the webhook server, or in polling mode on the health
        server: with neither, its URL would lead nowhere (`check` says so, and start-up
        refuses with the same words)."""
        if self.console.enabled and not self.telegram.webhook_url and not self.health.listen:
            raise ValueError(
                "[console.url] is set, but nothing serves it: in polling mode set "
                '[health] listen = "127.0.0.1:8080" (and put that behind the URL\'s proxy), '
                "or run in webhook mode (telegram.webhook_url), whose server serves /console"
            )
        return self


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"{path}: settings file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not valid TOML: {error}") from None
    except RecursionError:
        raise SettingsError(f"{path}: not valid TOML: nested too deeply") from None


def load_settings(
    path: str | os.PathLike[str] | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Read the settings file (AFTERCARE_SETTINGS or settings.toml), apply env overrides."""
    env = dict(os.environ if environ is None else environ)
    file = Path(path or env.get("AFTERCARE_SETTINGS") or DEFAULT_SETTINGS_FILE)
    data = _read_toml(file) if (path or env.get("AFTERCARE_SETTINGS") or file.exists()) else {}
    for name, (section, key) in ENV_OVERRIDES.items():
        if env.get(name, "") != "":
            data.setdefault(section, {})[key] = env[name]
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if token:
        data["bot_token"] = token
    try:
        return Settings(**data)
    except ValidationError as error:
        raise SettingsError(describe_validation_error(file, error)) from None


def describe_validation_error(file: Path, error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] in ("less_than_equal", "greater_than_equal", "greater_than") and (
            key in BOUND_REASONS
        ):
            message += f" ({BOUND_REASONS[key]})"
        # A rule across sections names its keys in its message.
        lines.append(f"{file}: [{key}] {message}" if key else f"{file}: {message}")
    return "\n".join(lines)
