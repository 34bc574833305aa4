"""Settings: `settings.toml` plus the fixed environment overrides of PRODUCT.md 3.2."""

from __future__ import annotations

import os
import re
import tomllib
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

DEFAULT_SETTINGS_FILE = "settings.toml"

# Environment variable -> (section, key). Names are fixed by PRODUCT.md 3.2.
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
}

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class SettingsError(Exception):
    """Settings are missing or invalid; the message names each key and what is expected."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TelegramSettings(_Section):
    api_url: str = "https://api.telegram.org"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0:8443"
    webhook_secret: SecretStr | None = None
    # Whole-request timeouts for the Bot API client (seconds).
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=10.0, gt=0)

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
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("expected host:port, e.g. 0.0.0.0:8443")
        return value

    @property
    def webhook_host(self) -> str:
        return self.webhook_listen.rpartition(":")[0]

    @property
    def webhook_port(self) -> int:
        return int(self.webhook_listen.rpartition(":")[2])


class DatabaseSettings(_Section):
    url: str = "sqlite+aiosqlite:///data/aftercare.db"

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """Accept plain URLs and pick the async driver we ship."""
        for plain, driver in (
            ("sqlite://", "sqlite+aiosqlite://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
        ):
            if value.startswith(plain):
                return driver + value[len(plain) :]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("expected an sqlite:// or postgresql:// URL")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


class ContentSettings(_Section):
    dir: Path = Path("content")


class ClinicSettings(_Section):
    name: str = "Our clinic"
    timezone: str = "Asia/Kolkata"
    contact: str = "Please call the clinic."
    default_language: str = "en"
    # Languages every content text must cover (`check` fails otherwise).
    languages: list[str] = Field(default_factory=lambda: ["en", "hi"])

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"expected an IANA time zone name like Asia/Kolkata, got {value!r}"
            ) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class StaffSettings(_Section):
    admin_ids: list[int] = Field(default_factory=list)
    alert_chat_id: int | None = None

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


class DeliverySettings(_Section):
    quiet_hours: str | None = "21:00-08:00"
    poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    rate_per_second: float = Field(default=25.0, gt=0, le=1000)
    per_chat_seconds: float = Field(default=1.0, ge=0)
    batch_size: int = Field(default=200, ge=1, le=5000)
    lease_seconds: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=5, ge=1, le=100)
    backoff_base_seconds: float = Field(default=2.0, gt=0)
    backoff_max_seconds: float = Field(default=300.0, gt=0)

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        start, sep, end = value.partition("-")
        if not sep or not _HHMM.match(start.strip()) or not _HHMM.match(end.strip()):
            raise ValueError('expected "HH:MM-HH:MM", e.g. "21:00-08:00"')
        if start.strip() == end.strip():
            raise ValueError("start and end of quiet hours must differ")
        return f"{start.strip()}-{end.strip()}"

    @property
    def quiet_window(self) -> tuple[time, time] | None:
        if self.quiet_hours is None:
            return None
        start, _, end = self.quiet_hours.partition("-")
        return time.fromisoformat(start), time.fromisoformat(end)


class InviteSettings(_Section):
    ttl_days: float = Field(default=7, gt=0, le=365)


class RetentionSettings(_Section):
    days: int = Field(default=365, ge=1)


class LoggingSettings(_Section):
    level: str = "INFO"
    json_lines: bool = False


class HealthSettings(_Section):
    # In polling mode a small server for /healthz and /metrics; empty = off.
    listen: str | None = None


class Settings(BaseSettings):
    """All settings. Build with `load_settings()`, never at import time."""

    model_config = SettingsConfigDict(extra="forbid")

    bot_token: SecretStr | None = None
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    content: ContentSettings = Field(default_factory=ContentSettings)
    clinic: ClinicSettings = Field(default_factory=ClinicSettings)
    staff: StaffSettings = Field(default_factory=StaffSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    invites: InviteSettings = Field(default_factory=InviteSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    health: HealthSettings = Field(default_factory=HealthSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what load_settings() merged: the file, then the fixed env names.
        return (init_settings,)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"{path}: settings file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not valid TOML: {error}") from None


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
        lines.append(f"{file}: [{key}] {message}")
    return "\n".join(lines)
