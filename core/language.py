"""Reading a patient's message as sentences and clauses, its script, and the durations in it.

Triage needs more than the words: where a sentence or a clause ends (a negation in one
clause says nothing about another), whether a clause is a question, and how long
something has lasted ("after 4 days", "since Monday", "5 din se"). Everything here is
pure: the caller gives the text and, for weekdays, today's patient-local weekday.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.text_match import normalize

# Where a sentence ends, and where a clause ends inside one.
_SENTENCE_END = re.compile(r"[.!?।॥\n;]+")
# Emoji and pictographs end a clause too: "double dikh rhi h 😰 kya ho rha h".
_CLAUSE_END = re.compile(r"[,:()\[\]\-–—/\u2600-\u27bf\U0001f300-\U0001faff]+")
# Words that start a new clause: a negation before them does not reach past them.
CLAUSE_WORDS = frozenset({
    "but", "however", "though", "although", "except", "just", "only", "otherwise",
    "lekin", "magar", "bas", "sirf", "kintu", "लेकिन", "मगर", "बस", "सिर्फ", "किंतु",
})


@dataclass(frozen=True, kw_only=True)
class Clause:
    """A run of words between punctuation or clause words; `question` if it asks."""

    start: int  # index of its first word in the message's word list
    end: int  # one past its last word
    sentence: int
    question: bool


@dataclass(frozen=True, kw_only=True)
class Reading:
    """A message as normalised words with the clause and sentence of each word."""

    words: tuple[str, ...]
    clause_of: tuple[int, ...]
    clauses: tuple[Clause, ...]
    sentence_at: tuple[int, ...] = ()  # the sentence of each word (read() fills it)

    def clause_words(self, clause: int) -> tuple[str, ...]:
        found = self.clauses[clause]
        return self.words[found.start : found.end]

    def sentence_of(self, position: int) -> int:
        if self.sentence_at:
            return self.sentence_at[position]
        return self.clauses[self.clause_of[position]].sentence


def read(text: str) -> Reading:
    """Split `text` into sentences, clauses and normalised words (whole text, any length)."""
    words: list[str] = []
    clause_of: list[int] = []
    sentence_at: list[int] = []
    clauses: list[Clause] = []
    sentence = 0
    cursor = 0
    for match in [*_SENTENCE_END.finditer(text), None]:
        stop = match.start() if match is not None else len(text)
        question = match is not None and "?" in match.group()
        previous = ""  # the sentence's last word so far
        current: list[str] = []
        for part in _CLAUSE_END.split(text[cursor:stop]):
            tokens = normalize(part).split()
            if tokens and echoes(tokens[0], previous):
                tokens = tokens[1:]  # "मवाद-ववाद कुछ नहीं": one clause, "मवाद कुछ नहीं"
            elif current:
                _add(clauses, words, clause_of, sentence_at, current, sentence)
                current = []
            for token in tokens:
                if token[0] in _ECHO_STARTS and echoes(token, previous):
                    continue  # "ulti vulti kuch nahi": "ulti kuch nahi"
                previous = token
                if token in CLAUSE_WORDS and current:
                    _add(clauses, words, clause_of, sentence_at, current, sentence)
                    current = []
                current.append(token)
        if current:
            _add(clauses, words, clause_of, sentence_at, current, sentence)
        # The question mark belongs to the sentence's last clause.
        if question and clauses and clauses[-1].sentence == sentence:
            last = clauses[-1]
            clauses[-1] = Clause(start=last.start, end=last.end, sentence=sentence, question=True)
        if match is not None:
            cursor = match.end()
            sentence += 1
    return Reading(words=tuple(words), clause_of=tuple(clause_of), clauses=tuple(clauses),
                   sentence_at=tuple(sentence_at))


# Hindi's echo words: a word said again with its first sound made "v" ("ulti vulti",
# "मवाद-ववाद", "dard vard": vomiting or the like) adds nothing but vagueness, and stands
# between a symptom and its "kuch nahi".
_ECHO_STARTS = frozenset("vwव")
MIN_ECHOED = 3


def echoes(word: str, before: str) -> bool:
    """Whether `word` is the echo of the word `before` it ("vulti" of "ulti", "ववाद" of
    "मवाद")."""
    return (word[:1] in _ECHO_STARTS and len(before) >= MIN_ECHOED
            and before[:1] not in _ECHO_STARTS and word[1:] in (before, before[1:]))


def _add(
    clauses: list[Clause], words: list[str], clause_of: list[int], sentence_at: list[int],
    tokens: list[str], sentence: int,
) -> None:
    start = len(words)
    words.extend(tokens)
    clause_of.extend([len(clauses)] * len(tokens))
    sentence_at.extend([sentence] * len(tokens))
    clauses.append(Clause(start=start, end=len(words), sentence=sentence, question=False))


# --- script -------------------------------------------------------------------------------

def is_devanagari(char: str) -> bool:
    return "\u0900" <= char <= "\u097f"


def written_script(text: str) -> str | None:
    """The script most letters of `text` are in ("Devanagari", "Latin", "Tamil", ... as
    Unicode names them), None when it has no letters (emoji, numbers). A tie goes to the
    script that is not Latin (a Latin word or two inside a Devanagari message)."""
    counts: dict[str, int] = {}
    for char in text[:2000]:
        if is_devanagari(char):
            script = "Devanagari"
        elif char.isascii() and char.isalpha():
            script = "Latin"
        elif unicodedata.category(char).startswith("L"):
            script = unicodedata.name(char, "LATIN").split()[0].title()
        else:
            continue
        counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda script: (counts[script], script != "Latin"))


def written_language(
    text: str, scripts: Mapping[str, Sequence[str]], own: str
) -> str | None:
    """The language `text` is written in, among the clinic's (`scripts`: each language's
    scripts, its own first): the patient's `own` when it is written in that script (a
    Marathi patient writing Devanagari stays Marathi; romanised Hindi stays Hindi), else the
    first language whose own script it is; None without letters or such a language."""
    script = written_script(text)
    if script is None:
        return None
    if script in scripts.get(own, ()):
        return own
    return next((code for code, its in scripts.items() if its and its[0] == script), None)


# --- durations ----------------------------------------------------------------------------

NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "couple": 2,
    "ek": 1, "do": 2, "teen": 3, "tin": 3, "char": 4, "chaar": 4, "paanch": 5, "panch": 5,
    "pach": 5, "chhe": 6, "che": 6, "chah": 6, "saat": 7, "sat": 7, "aath": 8, "nau": 9,
    "das": 10,
    "एक": 1, "दो": 2, "तीन": 3, "चार": 4, "पांच": 5, "पाच": 5, "छह": 6, "छः": 6, "सात": 7,
    "आठ": 8, "नौ": 9, "दस": 10,
    # Ordinals: "day 5" is also "fifth day", "paanchva din", "पांचवां दिन".
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "pehla": 1, "pahla": 1, "dusra": 2, "doosra": 2, "teesra": 3, "tisra": 3, "chautha": 4,
    "chotha": 4, "paanchva": 5, "panchva": 5, "paanchvan": 5, "paanchvaan": 5, "chhatha": 6,
    "chhata": 6, "saatva": 7, "satva": 7, "पहला": 1, "दूसरा": 2, "तीसरा": 3, "चौथा": 4,
    "पांचवां": 5, "पांचवा": 5, "पाँचवाँ": 5, "छठा": 6, "सातवां": 7, "सातवा": 7,
}
DAY_WORDS = frozenset({"day", "days", "din", "dino", "dinon", "दिन", "दिनों", "dinn"})
WEEK_WORDS = frozenset({
    "week", "weeks", "hafta", "hafte", "hafton", "hapta", "hapte", "हफ्ता", "हफ्ते", "हफ्तों",
    "सप्ताह",
})
WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    "somvar": 0, "mangalvar": 1, "budhvar": 2, "guruvar": 3, "shukravar": 4, "shanivar": 5,
    "ravivar": 6, "सोमवार": 0, "मंगलवार": 1, "बुधवार": 2, "गुरुवार": 3, "शुक्रवार": 4,
    "शनिवार": 5, "रविवार": 6,
}
SINCE_WORDS = frozenset({"since", "from", "se", "से", "last"})
YESTERDAY = {"yesterday": 1, "kal": 1, "कल": 1, "parso": 2, "parson": 2, "परसों": 2}
VAGUE_DAYS = frozenset({
    "few", "several", "many", "some", "kai", "kuch", "bahut", "कई", "कुछ", "बहुत",
})
_ORDINAL = re.compile(r"^(\d{1,3})(?:st|nd|rd|th|वें|वे|वां|वा|va|vaa|ve|wa|we)?$")


def number(word: str) -> int | None:
    """A count written as digits (any script: "५"), as a word ("four", "char", "चार") or as
    an ordinal ("5th", "5वें")."""
    found = _ORDINAL.match(word)
    if found is not None:
        return int(found.group(1))
    return NUMBER_WORDS.get(word)


@dataclass(frozen=True, kw_only=True)
class Duration:
    """How long the patient says something has lasted: `days`, or `vague` ("for days")."""

    days: int | None = None
    vague: bool = False


def durations(words: tuple[str, ...], weekday: int | None) -> Duration:
    """The longest duration stated in `words` (normalised), with today's weekday (0 = Monday)
    to read "since Monday"; "tomorrow" and "in 2 days" are not durations of the past."""
    longest: int | None = None
    vague = False

    def seen(days: int) -> None:
        nonlocal longest
        longest = days if longest is None else max(longest, days)

    for index, word in enumerate(words):
        before = words[index - 1] if index else ""
        after = words[index + 1] if index + 1 < len(words) else ""
        if word in DAY_WORDS or word in WEEK_WORDS:
            unit = 7 if word in WEEK_WORDS else 1
            count = number(before) if before else None
            if before == "in" or (index >= 2 and words[index - 2] == "in"):
                continue  # "in 2 days": the future
            if count is not None and count < 100:
                seen(count * unit)
            elif unit == 7 and before in {"last", "past", "pichhle", "pichle", "पिछले"}:
                seen(7)
            elif after and (count := number(after)) is not None and word in DAY_WORDS:
                seen(count)  # "day 5", "din 5"
            elif before in VAGUE_DAYS or before == "for" or after in {"se", "से", "now"}:
                vague = True
        elif word in WEEKDAYS and weekday is not None and (
            before in SINCE_WORDS or after in {"se", "से"}
        ):
            seen((weekday - WEEKDAYS[word]) % 7 or 7)
        elif word in YESTERDAY and (before in SINCE_WORDS or after in {"se", "से"}):
            seen(YESTERDAY[word])
    return Duration(days=longest, vague=vague and longest is None)
