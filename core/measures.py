"""Numbers patients report instead of words: a temperature ("38.9", "101°F", "temp 39")
and a pain score ("8/10", "9 out of 10", "dard 7").

Read from the raw text (normalising would split "38.9" into "38 9"). A reading says what
was measured, its value, how it compares with the clinical line, and where it stands in
the text, so triage can judge whose it is and whether it has passed (core.cues).

Fever: 38.0 °C (100.4 °F) or more. 37.5-37.9 °C (99.5-100.3 °F) is a raised temperature a
person should look at. A number is taken for a temperature when it carries a unit
("39°", "101 F", "38.5 C") or a temperature word stands near it ("temp", "bukhar",
"तापमान"), or when it has a decimal and falls where only body temperatures do (37.5-42.5,
99.5-107.9): "it's 38.9 now". Pain: a score out of 10, or a number right after a pain
word ("pain 8", "dard 7"); 7 or more is severe, 4-6 moderate.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from core.text_match import normalize

FEVER_C = 38.0
RAISED_C = 37.5
SEVERE_PAIN = 7
MODERATE_PAIN = 4


class Grade(enum.IntEnum):
    """How a reading compares with the clinical line."""

    NORMAL = 0
    RAISED = 1  # a person should look (37.5-37.9 °C, pain 4-6)
    HIGH = 2  # a red flag (fever, severe pain)


@dataclass(frozen=True, kw_only=True)
class Reading:
    """One number the patient reported: "temperature" (in °C) or "pain" (0-10)."""

    what: str
    value: float
    grade: Grade
    shown: str  # as staff read it on a card: "38.9°C", "102°F", "8/10"
    start: int  # character offsets in the text
    end: int


_NUMBER = r"(\d{2,3}(?:[.,]\d{1,2})?)"
_TEMPERATURE = re.compile(
    _NUMBER + r"\s*(°|º|˚|deg(?:ree)?s?\b|डिग्री)?\s*([cCfF](?![a-zA-Z])|सेल्सियस|फ़?ारेनहाइट)?"
)
_TEMPERATURE_WORDS = frozenset({
    "temp", "temperature", "temprature", "tempreture", "temperture", "tem", "fever", "feverish",
    "fevr", "fver", "feaver", "fevar", "bukhaar", "bhukar", "bukhr",
    "thermometer", "bukhar", "bukar", "tapman", "taapmaan", "बुखार",
    "तापमान", "टेंपरेचर", "टेम्परेचर", "ताप", "degree", "degrees", "डिग्री",
})
_PAIN_SCORE = re.compile(
    r"(?<![\d.])(\d{1,2})\s*(?:/|out\s+of|outta|on|of|by|में\s*से|me\s*se|mein\s*se)\s*(?:10|१०)\b",
    re.IGNORECASE,
)
# Hindi puts the whole first: "10 me se 9", "१० में से ९" (of ten, nine).
_PAIN_SCORE_OF_TEN = re.compile(
    r"(?<![\d.])(?:10|१०)\s*(?:में\s*से|me\s*se|mein\s*se|main\s*se|mai\s*se)\s*(\d{1,2})(?![\d.])",
    re.IGNORECASE,
)
_PAIN_WORDS = frozenset({
    "pain", "painful", "ache", "aches", "aching", "hurts", "hurt", "hurting", "sore",
    "soreness", "tender", "dard", "drd", "dardd", "दर्द", "peeda", "pida", "पीड़ा", "पीडा",
    "dukhta", "dukhti", "dukh", "दुखता", "दुखती",
})
# A number with one of these beside it counts something else: "day 4", "4 din", "5 baje".
_UNITS = frozenset({
    "day", "days", "din", "दिन", "week", "weeks", "hafta", "hafte", "हफ्ते", "session",
    "sessions", "sitting", "baje", "बजे", "am", "pm", "hours", "hour", "hrs", "ghante",
    "घंटे", "min", "mins", "minutes", "minute", "times", "baar", "बार", "years", "year",
    "saal", "साल", "age", "months", "mahine", "महीने", "tablet", "tablets", "goli", "pills",
    "number", "no", "room", "ml", "mg",
})
WORDS_AROUND = 4  # words before a number searched for a pain word (2 after it)
_SMALL_NUMBER = re.compile(r"(?<![\d.,/:])(\d{1,2})(?![\d,/:]|\.\d)")
NEAR = 40  # characters around a number searched for a temperature word
# Emoji that say a temperature as a word would: "🥵🥵 103", "🤒 101".
_TEMPERATURE_EMOJI = frozenset("🥵🤒🌡")
_ANY_DIGIT = re.compile(r"\d")
# A cheap first look before the words around a number are read properly.
_PAIN_HINT = re.compile(
    "|".join(sorted(map(re.escape, _PAIN_WORDS), key=len, reverse=True)), re.IGNORECASE)


def readings(text: str) -> tuple[Reading, ...]:
    """The temperatures and pain scores in `text`, in order of where they stand."""
    if not _ANY_DIGIT.search(text):
        return ()
    found = [*_temperatures(text), *_pain_scores(text)]
    return tuple(sorted(found, key=lambda reading: reading.start))


def _near_words(text: str, start: int, end: int) -> set[str]:
    return set(normalize(text[max(0, start - NEAR) : end + NEAR]).split())


def _temperatures(text: str) -> list[Reading]:
    out = []
    for match in _TEMPERATURE.finditer(text):
        if match.start() > 0 and (text[match.start() - 1].isdigit()
                                  or text[match.start() - 1] in ".,/:"):
            continue  # part of a longer number, a date or a time
        if match.end(1) < len(text) and text[match.end(1) : match.end(1) + 1] in (":", "/"):
            continue  # "10:30", "12/3"
        raw, degree, unit = match.group(1), match.group(2), match.group(3)
        value = float(raw.replace(",", "."))
        context = bool(_near_words(text, match.start(), match.end()) & _TEMPERATURE_WORDS) or (
            not _TEMPERATURE_EMOJI.isdisjoint(
                text[max(0, match.start() - NEAR) : match.end() + NEAR]))
        decimal = "." in raw or "," in raw
        fahrenheit = (unit or "").lower().startswith(("f", "फ")) or (
            not unit and 95 <= value <= 108)
        celsius = not fahrenheit and 34 <= value <= 43
        if not (fahrenheit or celsius):
            continue
        marked = bool(degree or unit)
        plausible = (37.5 <= value <= 42.5) if celsius else (99.5 <= value <= 107.9)
        if not (marked or context or (decimal and plausible)):
            continue
        if not marked and not context and not plausible:
            continue
        celsius_value = (value - 32) * 5 / 9 if fahrenheit else value
        grade = (Grade.HIGH if celsius_value >= FEVER_C - 0.01
                 else Grade.RAISED if celsius_value >= RAISED_C - 0.01 else Grade.NORMAL)
        shown = f"{raw}°{'F' if fahrenheit else 'C'}"
        out.append(Reading(what="temperature", value=round(celsius_value, 1), grade=grade,
                           shown=shown, start=match.start(), end=match.end()))
    return out


def _pain_grade(score: int) -> Grade:
    if score >= SEVERE_PAIN:
        return Grade.HIGH
    return Grade.RAISED if score >= MODERATE_PAIN else Grade.NORMAL


def _pain_scores(text: str) -> list[Reading]:
    out = []
    taken: set[int] = set()
    for match in [*_PAIN_SCORE.finditer(text), *_PAIN_SCORE_OF_TEN.finditer(text)]:
        score = int(match.group(1))
        if score > 10:
            continue
        taken.update(range(match.start(), match.end()))  # "9 out of 10": one score
        out.append(Reading(what="pain", value=score, grade=_pain_grade(score),
                           shown=f"{score}/10", start=match.start(), end=match.end()))
    for match in _SMALL_NUMBER.finditer(text):
        if match.start(1) in taken:
            continue
        score = int(match.group(1))
        if score > 10 or not _PAIN_HINT.search(
            text, max(0, match.start() - 2 * NEAR), match.end() + NEAR
        ):
            continue
        # "pain 8", "dard 7 hai", "tender, like a 4", "4 jitna dard", "5 ke aas paas"
        before = normalize(text[max(0, match.start() - NEAR) : match.start()]).split()
        after = normalize(text[match.end() : match.end() + NEAR]).split()
        near = set(before[-WORDS_AROUND:]) | set(after[:2])
        if before[-2:] == ["like", "a"] or before[-1:] in (["around"], ["about"]):
            # "tender where they did the injections, like a 4": a rating of what was said
            near |= set(normalize(text[max(0, match.start() - 2 * NEAR) : match.start()]).split())
        beside = set(before[-1:]) | set(after[:1])
        if not near & _PAIN_WORDS or beside & _UNITS:
            continue
        out.append(Reading(what="pain", value=score, grade=_pain_grade(score),
                           shown=f"{score}/10", start=match.start(), end=match.end()))
    return out
