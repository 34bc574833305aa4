"""The settings sections the use cases read, and the view of all settings they are given."""

from __future__ import annotations

from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from core.config import Section
from jobs.config import DeliverySettings, RetentionSettings


class ClinicSettings(Section):
    name: str = "Our clinic"
    timezone: str = "Asia/Kolkata"
    contact: str = "Please call the clinic."
    default_language: str = "en"
    # Languages every content text must cover (`check` fails otherwise).
    languages: list[str] = Field(default_factory=lambda: ["en", "hi"])
    # How staff type dates: "DMY" reads 05/06/2026 as 5 June, "MDY" as May 6.
    date_order: Literal["DMY", "MDY"] = "DMY"

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



class StaffSettings(Section):
    admin_ids: list[int] = Field(default_factory=list)
    alert_chat_id: int | None = None

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value



class InviteSettings(Section):
    ttl_days: float = Field(default=7, gt=0, le=365)



class ServiceSettings(Protocol):
    """What services and edges read of the settings (app.settings.Settings is one)."""

    @property
    def clinic(self) -> ClinicSettings: ...

    @property
    def staff(self) -> StaffSettings: ...

    @property
    def delivery(self) -> DeliverySettings: ...

    @property
    def invites(self) -> InviteSettings: ...

    @property
    def retention(self) -> RetentionSettings: ...
