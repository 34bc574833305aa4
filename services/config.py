"""The settings sections the use cases read, and the view of all settings they are given."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator

from core.config import Section
from core.local_time import zone_named
from core.opening_hours import OpeningHours
from core.texts.dates import weekdays
from jobs.config import DeliverySettings, RetentionSettings

if TYPE_CHECKING:
    from services.console_config import ConsoleSettings

TELEGRAM_ID_LIMIT = 2**53  # Telegram user and chat ids fit in 52 bits (plus the sign)
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


class ClinicSettings(Section):
    name: str = "Our clinic"
    timezone: str = "Asia/Kolkata"
    # How to reach the clinic: one text, or one per language ({contact} in texts).
    contact: str | dict[str, str] = "Please call the clinic."
    # What to do in an emergency, number included ({emergency}); none = the contact.
    emergency: str | dict[str, str] | None = None
    # Opening hours in clinic time, e.g. "Mon-Sat 09:00-19:00" ({hours}); none = not said.
    hours: str | None = None
    default_language: str = "en"
    # Languages every content text must cover (`check` fails otherwise).
    languages: list[str] = Field(default_factory=lambda: ["en", "hi"])
    # How staff type dates: "DMY" reads 05/06/2026 as 5 June, "MDY" as May 6.
    date_order: Literal["DMY", "MDY"] = "DMY"
    # Where a happy patient may leave a review (an https:// link); none = no link offered.
    review_url: str | None = None

    @field_validator("review_url")
    @classmethod
    def _review_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith("https://") or any(c.isspace() for c in value):
            raise ValueError("expected an https:// link without spaces, e.g. "
                             "https://g.page/r/your-clinic/review")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if zone_named(value) is None:
            raise ValueError(f"expected an IANA time zone name like Asia/Kolkata, got {value!r}")
        return value

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        if value is not None:
            OpeningHours.parse(value)  # ValueError -> a settings error naming the key
        return value

    def is_open(self, now: datetime) -> bool:
        """Whether the clinic is open at `now` (clinic zone); always, when no hours are set."""
        if self.hours is None:
            return True
        return OpeningHours.parse(self.hours).is_open(now.astimezone(self.zone))

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("list at least one language, e.g. [\"en\"]")
        for code in value:
            if not LANGUAGE_CODE.match(code):
                raise ValueError(f"expected language codes like \"en\" or \"hi\", got {code!r}")
        return value

    @model_validator(mode="after")
    def _default_is_declared(self) -> ClinicSettings:
        if self.default_language not in self.languages:
            raise ValueError(
                f"default_language {self.default_language!r} must be one of languages "
                f"{self.languages}"
            )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def contact_for(self, language: str) -> str:
        """`contact` in `language`, else the default language's, else any."""
        return _localized(self.contact, language, self.default_language)

    def emergency_for(self, language: str) -> str:
        """`emergency` in `language` (the contact when the clinic set none)."""
        if self.emergency is None:
            return self.contact_for(language)
        return _localized(self.emergency, language, self.default_language)

    def hours_for(self, language: str) -> str:
        """The opening hours as a patient in `language` reads them: as the clinic wrote them
        in English, with that language's day names otherwise ("सोमवार–शनिवार 09:00–19:00",
        never the English "Mon-Sat" inside a Hindi text); the contact when none are set."""
        if self.hours is None:
            return self.contact_for(language)
        names = weekdays(language)
        if language == "en" or names is None:
            return self.hours
        return OpeningHours.parse(self.hours).describe(names)

    def placeholders(self, language: str) -> dict[str, str]:
        """The values content and UI texts may use, in `language`; raw, escaped later."""
        return {
            "clinic": self.name,
            "contact": self.contact_for(language),
            "emergency": self.emergency_for(language),
            "hours": self.hours_for(language),
        }



def _localized(value: str | dict[str, str], language: str, default_language: str) -> str:
    if isinstance(value, str):
        return value
    for key in (language, default_language):
        if key in value:
            return value[key]
    return next(iter(value.values()), "")


class StaffSettings(Section):
    admin_ids: list[int] = Field(default_factory=list)
    alert_chat_id: int | None = None
    # Paged in private when a red flag is not acknowledged in time; empty = the admins.
    on_call: list[int] = Field(default_factory=list)

    @property
    def pager_ids(self) -> list[int]:
        """Who is paged: `on_call`, else the admins."""
        return list(self.on_call or self.admin_ids)

    def staff_chat(self, *, before_admins: int | None = None) -> int | None:
        """Where staff-chat posts go (cases, notices, the digest, delivery failures): the
        alert chat, else `before_admins` (a held join's enrolling staff member), else the
        first admin's private chat. The one place this is decided."""
        if self.alert_chat_id is not None:
            return self.alert_chat_id
        if before_admins is not None:
            return before_admins
        return self.admin_ids[0] if self.admin_ids else None

    @field_validator("admin_ids", "on_call", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("admin_ids", "on_call")
    @classmethod
    def _user_ids(cls, value: list[int]) -> list[int]:
        for user_id in value:
            if not 0 < user_id < TELEGRAM_ID_LIMIT:
                raise ValueError(
                    f"{user_id} is not a Telegram user id (a positive number; /myid tells it)"
                )
        return value

    @field_validator("alert_chat_id")
    @classmethod
    def _chat_id(cls, value: int | None) -> int | None:
        if value is not None and not (0 < abs(value) < TELEGRAM_ID_LIMIT):
            raise ValueError(
                f"{value} is not a Telegram chat id (/myid in the group tells it)"
            )
        return value


class InviteSettings(Section):
    ttl_days: float = Field(default=7, gt=0, le=365)
    # An invite not opened (no consent) after this many hours is listed for staff: Today's
    # "not joined yet" and the daily digest.
    nudge_hours: float = Field(default=24, gt=0, le=24 * 30)


class CourseSettings(Section):
    """A course of treatment: a session booked ahead asks the patient to confirm it
    `confirm_hours` before (hours, fractions allowed)."""

    confirm_hours: float = Field(default=24, gt=0, le=24 * 14)


class EscalationSettings(Section):
    """An urgent case (a red flag, a worrying check-in answer) not acknowledged after
    `ack_minutes` is announced again and paged to on-call staff; after
    `patient_followup_minutes` the patient is told what to do; then on-call is paged again
    every `repeat_minutes` (the admins too from the second repeat) until someone
    acknowledges it. Minutes, fractions allowed."""

    ack_minutes: float = Field(default=10, gt=0, le=1440)
    patient_followup_minutes: float = Field(default=15, gt=0, le=1440)
    repeat_minutes: float = Field(default=15, ge=0.5, le=1440)



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
    def escalation(self) -> EscalationSettings: ...

    @property
    def course(self) -> CourseSettings: ...

    @property
    def retention(self) -> RetentionSettings: ...

    @property
    def console(self) -> ConsoleSettings: ...
