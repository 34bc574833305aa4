"""The content model: protocols, steps, FAQ entries and red flags as frozen values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Literal

ANY_LANGUAGE = "*"

# The only `{name}` placeholders texts may use; the loader rejects any other.
PLACEHOLDERS = ("clinic", "contact", "emergency", "hours")


@dataclass(frozen=True, kw_only=True)
class LocalizedText:
    """A text field: one string for every language, or one per language code.

    `values` maps a language code (or ANY_LANGUAGE for "every language") to text.
    """

    values: Mapping[str, str]

    def get(self, language: str, default_language: str = "en") -> str:
        """The text in `language`, else the default language, else any text we have."""
        for key in (language, ANY_LANGUAGE, default_language):
            if key in self.values:
                return self.values[key]
        return next(iter(self.values.values()))

    @classmethod
    def of(cls, text: str | Mapping[str, str]) -> LocalizedText:
        if isinstance(text, str):
            return cls(values={ANY_LANGUAGE: text})
        return cls(values=dict(text))


@dataclass(frozen=True, kw_only=True)
class OffsetTiming:
    """`at = "+24h"`: an exact offset from the session start (negative = pre-care)."""

    offset: timedelta


@dataclass(frozen=True, kw_only=True)
class DayTiming:
    """`day = 1, time = "09:00"`: the patient-local session date plus `day`, at `time`."""

    day: int
    at: time


Timing = OffsetTiming | DayTiming


@dataclass(frozen=True, kw_only=True)
class Repeat:
    """`repeat = { every = "1d", count = 3 }`: `count` sends in all, the first included.

    For day/time steps `every` must be whole days and advances the local calendar
    (so 09:00 stays 09:00 across DST); for offset steps it is elapsed time.
    """

    every: timedelta
    count: int


@dataclass(frozen=True, kw_only=True)
class Option:
    """A check-in answer button."""

    id: str
    text: LocalizedText
    escalate: bool = False


StepKind = Literal["reminder", "checkin"]

DEFAULT_EXPIRY = timedelta(hours=24)


@dataclass(frozen=True, kw_only=True)
class Step:
    """One message of a protocol (possibly repeated)."""

    id: str
    timing: Timing
    text: LocalizedText
    kind: StepKind = "reminder"
    repeat: Repeat | None = None
    expires: timedelta = DEFAULT_EXPIRY
    quiet_hours: bool = True
    options: tuple[Option, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Protocol:
    """A procedure's plan of aftercare (and pre-care) messages."""

    id: str
    name: LocalizedText
    steps: tuple[Step, ...]
    description: LocalizedText | None = None


@dataclass(frozen=True, kw_only=True)
class FaqEntry:
    """A question patients ask, the words that point to it, and the clinic's answer."""

    id: str
    keywords: Mapping[str, tuple[str, ...]]
    question: LocalizedText
    answer: LocalizedText


@dataclass(frozen=True, kw_only=True)
class RedFlagRule:
    """A group of phrases that mean "this needs a human now"."""

    id: str
    phrases: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, kw_only=True)
class RedFlags:
    """The urgent reply and the rules that trigger it."""

    reply: LocalizedText
    rules: tuple[RedFlagRule, ...]


@dataclass(frozen=True, kw_only=True)
class Content:
    """Everything clinic-editable, loaded and validated."""

    protocols: Mapping[str, Protocol]
    faq: tuple[FaqEntry, ...]
    red_flags: RedFlags
    languages: tuple[str, ...] = field(default=("en",))
