"""The settings sections the delivery engine and the periodic jobs read."""

from __future__ import annotations

from datetime import time

from pydantic import Field, field_validator

from core.config import Section
from core.quiet_hours import QuietHours


class DeliverySettings(Section):
    quiet_hours: str | None = "21:00-08:00"
    poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    rate_per_second: float = Field(default=25.0, gt=0, le=1000)
    per_chat_seconds: float = Field(default=1.0, ge=0, le=60)
    # The staff chat is a group: Telegram allows about 20 messages a minute there.
    # 0 turns group pacing off (tests on a fake clock only).
    group_per_minute: float = Field(default=20.0, ge=0, le=600)

    @property
    def per_group_seconds(self) -> float:
        return 0.0 if self.group_per_minute == 0 else 60.0 / self.group_per_minute
    batch_size: int = Field(default=200, ge=1, le=5000)
    lease_seconds: float = Field(default=60.0, ge=1, le=3600)
    max_attempts: int = Field(default=5, ge=1, le=100)
    backoff_base_seconds: float = Field(default=2.0, gt=0, le=3600)
    backoff_max_seconds: float = Field(default=300.0, gt=0, le=86400)

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        window = QuietHours.parse(value)  # ValueError names the expected form
        return f"{window.start:%H:%M}-{window.end:%H:%M}"

    @property
    def quiet_window(self) -> tuple[time, time] | None:
        if self.quiet_hours is None:
            return None
        window = QuietHours.parse(self.quiet_hours)
        return window.start, window.end


class RetentionSettings(Section):
    days: int = Field(default=365, ge=1, le=3650)
    # Audit events older than this are deleted by the daily retention run.
    audit_days: int = Field(default=400, ge=1, le=3650)

