"""The content model: protocols, steps, FAQ entries and red flags as frozen values."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Literal

ANY_LANGUAGE = "*"

# The only `{name}` placeholders texts may use; the loader rejects any other.
PLACEHOLDERS = ("clinic", "contact", "emergency", "hours")

# Swelling, bruising and redness usually settle within this many days after a session
# (the article: two to three days); a protocol may set its own `settle_days`.
DEFAULT_SETTLE_DAYS = 3


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


StepKind = Literal["reminder", "checkin", "photo", "outcome"]
STEP_KINDS: tuple[StepKind, ...] = ("reminder", "checkin", "photo", "outcome")

DEFAULT_EXPIRY = timedelta(hours=24)
# A photo check-in's pain question is 0-10; a score above the step's `threshold` opens a
# case. 6 by default: 7 and up is severe pain (the safety rules' "severe pain").
PAIN_MAX = 10
DEFAULT_PAIN_THRESHOLD = 6
# An outcome question's answers: how happy the patient is with the result, 1 to 5.
OUTCOME_SCORES = ("1", "2", "3", "4", "5")


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
    # Only at these sessions of the protocol (1 = the first); empty: at every session.
    sessions: tuple[int, ...] = ()
    # kind = "photo": a pain score (0-10) above this opens a case for staff.
    threshold: int = DEFAULT_PAIN_THRESHOLD

    def at_session(self, number: int) -> bool:
        """Whether the step is planned for the protocol's `number`-th session."""
        return not self.sessions or number in self.sessions

    @property
    def precare(self) -> bool:
        """Due before the session (a negative offset or day): it reaches a patient whose
        session is booked ahead before staff record it as done."""
        timing = self.timing
        if isinstance(timing, OffsetTiming):
            return timing.offset < timedelta(0)
        return timing.day < 0


@dataclass(frozen=True, kw_only=True)
class Course:
    """`course = { sessions = 3, every = "21d", maintenance = "26w" }`: the procedure is a
    course of `sessions` sessions, the next due `every` after the one before; after the
    last, a maintenance session every `maintenance` (none when unset). When the next one
    falls due and nothing is booked, the patient is asked (core/course.py)."""

    sessions: int
    every: timedelta
    maintenance: timedelta | None = None


@dataclass(frozen=True, kw_only=True)
class Protocol:
    """A procedure's plan of aftercare (and pre-care) messages."""

    id: str
    name: LocalizedText
    steps: tuple[Step, ...]
    description: LocalizedText | None = None
    # Still swollen, bruised or red after this many days since the session: a red flag.
    settle_days: int = DEFAULT_SETTLE_DAYS
    course: Course | None = None

    @property
    def has_outcome_step(self) -> bool:
        """Whether a step asks the outcome (then the course's end does not ask it again)."""
        return any(step.kind == "outcome" for step in self.steps)


@dataclass(frozen=True, kw_only=True)
class FaqGroup:
    """A heading of the /faq keyboard: its entries are shown when it is pressed."""

    id: str
    name: LocalizedText


@dataclass(frozen=True, kw_only=True)
class FaqEntry:
    """A question patients ask, the words that point to it, and the clinic's answer."""

    id: str
    keywords: Mapping[str, tuple[str, ...]]
    question: LocalizedText
    answer: LocalizedText
    group: str | None = None  # a FaqGroup id (the /faq heading it is listed under)
    protocols: tuple[str, ...] = ()  # only for patients of these protocols (empty: everyone)
    listed: bool = True  # shown in /faq; an unlisted entry still answers typed questions

    def applies_to(self, protocols: Collection[str] | None) -> bool:
        """Whether a patient of `protocols` (None: not known) may get this entry."""
        return not self.protocols or protocols is None or bool(set(self.protocols) & set(protocols))


# A `together` concept: per language, the word groups (same count in every language; group
# i of every language is one group).
TogetherGroups = Mapping[str, tuple[tuple[str, ...], ...]]


@dataclass(frozen=True, kw_only=True)
class RedFlagRule:
    """A concept that means "this needs a human now": its phrases, the word groups that
    say it in other words (one word of each, in one sentence: `together`), and its own
    urgent reply (else the file's)."""

    id: str
    phrases: Mapping[str, tuple[str, ...]]
    together: tuple[TogetherGroups, ...] = ()
    reply: LocalizedText | None = None
    # An emergency for whoever has it (breathing, allergic swelling, fainting): urgent
    # when the patient writes of someone else too ("my wife's lips are swelling").
    emergency: bool = False


@dataclass(frozen=True, kw_only=True)
class LastingRule:
    """Symptoms that are normal in the first days after a session and a red flag later.

    `symptoms` name them ("swollen", "नील"), `still` says they have not gone ("still",
    "kam nahi"); the day limit is each protocol's `settle_days`. `early_reply` answers a
    patient who reports them while they are still expected.
    """

    id: str
    symptoms: Mapping[str, tuple[str, ...]]
    still: Mapping[str, tuple[str, ...]]
    early_reply: LocalizedText


@dataclass(frozen=True, kw_only=True)
class RedFlags:
    """The urgent reply and the rules that trigger it."""

    reply: LocalizedText
    rules: tuple[RedFlagRule, ...]
    lasting: LastingRule | None = None
    # The FAQ entry on warning signs: the answer when a flag word is not the patient's own
    # symptom ("no fever", "what are the signs of infection?", "my friend had fever").
    info_faq: str | None = None
    # Words that look like a phrase but are everyday words ("discharged"): never a match.
    ignore: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def reply_for(self, rule_id: str | None) -> LocalizedText:
        """The urgent reply for a rule: its own, else the file's."""
        for rule in self.rules:
            if rule.id == rule_id and rule.reply is not None:
                return rule.reply
        return self.reply


@dataclass(frozen=True, kw_only=True)
class Content:
    """Everything clinic-editable, loaded and validated."""

    protocols: Mapping[str, Protocol]
    faq: tuple[FaqEntry, ...]
    red_flags: RedFlags
    languages: tuple[str, ...] = field(default=("en",))
    faq_groups: tuple[FaqGroup, ...] = ()
    # What works but deserves the clinic's attention (a missing translation, double
    # punctuation), one line each with the file and the setting to change; `check` prints
    # them and `check --strict` fails on them.
    warnings: tuple[str, ...] = ()


def content_texts(content: Content) -> Iterator[tuple[str, LocalizedText]]:
    """Every text of the content with where it is, for checks over all of them."""
    for protocol in content.protocols.values():
        where = f"protocol {protocol.id}"
        yield f"{where}: name", protocol.name
        if protocol.description is not None:
            yield f"{where}: description", protocol.description
        for step in protocol.steps:
            yield f"{where}: steps[id={step.id}].text", step.text
            for option in step.options:
                yield f"{where}: steps[id={step.id}].options[id={option.id}].text", option.text
    for group in content.faq_groups:
        yield f"faq.toml: group[id={group.id}].name", group.name
    for entry in content.faq:
        yield f"faq.toml: faq[id={entry.id}].question", entry.question
        yield f"faq.toml: faq[id={entry.id}].answer", entry.answer
    yield "red_flags.toml: reply", content.red_flags.reply
    for rule in content.red_flags.rules:
        if rule.reply is not None:
            yield f"red_flags.toml: red_flag[id={rule.id}].reply", rule.reply
    if content.red_flags.lasting is not None:
        yield "red_flags.toml: lasting.early_reply", content.red_flags.lasting.early_reply


_DOUBLE_PUNCTUATION = re.compile(r"[.,;:!?](?:\s*[.,;:!?])+")


def typography_problems(text: str) -> list[str]:
    """What a careful editor would fix in `text`: doubled punctuation, nested brackets."""
    found = [
        f"double punctuation {match.group()!r}"
        for match in _DOUBLE_PUNCTUATION.finditer(text)
    ]
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
            if depth == 2:
                found.append("brackets inside brackets")
        elif char == ")":
            depth = max(0, depth - 1)
    return found
