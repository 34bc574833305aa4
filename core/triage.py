"""Red-flag triage: does a patient's message need a human now, whatever its language.

The message is read as sentences and clauses (core.language), the content's phrases are
found word by word (core.phrases), and the words around each one say whose symptom it
is and whether it is there (core.cues). Two levels come out:

- CLEAR: the patient reports a red flag ("I have fever", "face still very swollen on
  day 5"): the urgent reply and an urgent alert.
- DOUBTFUL: a red-flag word that may or may not be theirs ("fever? no", "is fever
  normal?", "not sure if it's pus", "my mother has fever", "still swollen" with no day
  known): a calm reply and a normal case. When unsure, a human sees it.

Not the patient's symptom (INFO): "no fever", "what are the signs of infection?", "my
friend had fever": the FAQ answer on warning signs, no alarm. Swelling, bruising or
redness within the protocol's `settle_days` (EARLY): "this is normal" and when to worry.

Safety choices kept from the start: every rule in every language whatever the
patient's language ("fever" from a Hindi speaker, "bukhar" from an English one); the
whole message is read, however long; a phrase at the end of a long message counts.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace

from core.content import ANY_LANGUAGE, DEFAULT_SETTLE_DAYS, RedFlags
from core.cues import Span, Stance, judge
from core.language import Reading, durations, read
from core.phrases import PhraseIndex, PhraseMatch


class Level(enum.IntEnum):
    """How much a message needs a person; higher wins when a message has several."""

    NONE = 0
    INFO = 1  # a red-flag word, not the patient's symptom: the warning-signs answer
    EARLY = 2  # swelling, bruising, redness while still expected: "this is normal"
    DOUBTFUL = 3  # maybe theirs: a calm reply and a normal case
    CLEAR = 4  # the urgent reply and an urgent case


STANCE_LEVEL = {
    Stance.OWN: Level.CLEAR,
    Stance.NEGATED: Level.INFO,
    Stance.INFO: Level.INFO,
    Stance.OTHER_PAST: Level.INFO,
    Stance.OTHER_NOW: Level.DOUBTFUL,
    Stance.QUESTION: Level.DOUBTFUL,
    Stance.HEDGED: Level.DOUBTFUL,
}


@dataclass(frozen=True, kw_only=True)
class Situation:
    """What triage knows about the patient besides the words.

    `day`: patient-local days since the session (0 = the session day; None = unknown or
    before it); `settle_days`: the protocol's limit for swelling, bruising and redness;
    `weekday`: today's patient-local weekday (0 = Monday), to read "since Monday".
    """

    day: int | None = None
    settle_days: int = DEFAULT_SETTLE_DAYS
    weekday: int | None = None


@dataclass(frozen=True, kw_only=True)
class Assessment:
    """The verdict on one message: level, the rule and content phrase, and why."""

    level: Level
    rule_id: str | None = None
    phrase: str | None = None
    reason: str = ""
    # The message's words of red-flag phrases it denies ("no rash or anything, when can I
    # use sunscreen"): not what the patient asks about, so the FAQ leaves them out.
    denied: frozenset[str] = frozenset()


NOTHING = Assessment(level=Level.NONE)


@dataclass(frozen=True, kw_only=True)
class RedFlagHit:
    """The rule that fired and the content phrase it matched."""

    rule_id: str
    phrase: str


def _hindi(language: str) -> bool:
    return language not in ("en", ANY_LANGUAGE)


@dataclass(frozen=True, kw_only=True)
class Triage:
    """The red-flag phrases of all languages and the lasting-symptom rule; build once."""

    flags: PhraseIndex
    symptoms: PhraseIndex | None
    still: PhraseIndex | None
    lasting_id: str | None

    @classmethod
    def build(cls, red_flags: RedFlags, languages: Iterable[str]) -> Triage:
        # `languages` is accepted for symmetry with FaqIndex but deliberately not used to
        # filter: phrases of every language in the file are always checked.
        del languages
        ignore = [word for words in red_flags.ignore.values() for word in words]
        flags = PhraseIndex.build(
            ((phrase, rule.id, _hindi(language))
             for rule in red_flags.rules
             for language, phrases in rule.phrases.items()
             for phrase in phrases),
            ignore,
        )
        lasting = red_flags.lasting
        if lasting is None:
            return cls(flags=flags, symptoms=None, still=None, lasting_id=None)
        symptoms = PhraseIndex.build(
            ((word, lasting.id, _hindi(language))
             for language, words in lasting.symptoms.items() for word in words),
            ignore,
        )
        still = PhraseIndex.build(
            ((word, "still", _hindi(language))
             for language, words in lasting.still.items() for word in words),
        )
        return cls(flags=flags, symptoms=symptoms, still=still, lasting_id=lasting.id)

    def check(self, text: str) -> RedFlagHit | None:
        """A clear red flag in `text` when nothing else is known about the patient."""
        found = self.assess(text)
        if found.level is Level.CLEAR and found.rule_id and found.phrase:
            return RedFlagHit(rule_id=found.rule_id, phrase=found.phrase)
        return None

    def assess(self, text: str, situation: Situation | None = None) -> Assessment:
        """The verdict on `text` for a patient in `situation` (see the module doc)."""
        reading = read(text)
        if not reading.words:
            return NOTHING
        situation = situation or Situation()
        still = self.still.find(reading) if self.still is not None else []
        consumed = frozenset(p for match in still for p in match.used)
        best = NOTHING
        denied: set[str] = set()
        for match in self.flags.find(reading):
            stance = judge(reading, _span(match), consumed)
            level = STANCE_LEVEL[stance]
            if stance is Stance.NEGATED:
                denied.update(reading.words[position] for position in match.used)
            if level > best.level:
                best = Assessment(level=level, rule_id=match.key, phrase=match.phrase,
                                  reason=stance.value)
                if level is Level.CLEAR:
                    return best
        lasting = self._lasting(reading, situation, still, consumed)
        chosen = lasting if lasting.level > best.level else best
        return replace(chosen, denied=frozenset(denied)) if denied else chosen

    def _lasting(
        self, reading: Reading, situation: Situation, still: list[PhraseMatch],
        consumed: frozenset[int],
    ) -> Assessment:
        """Swelling, bruising or redness: normal early, a red flag past the day limit."""
        if self.symptoms is None:
            return NOTHING
        found = [m for m in self.symptoms.find(reading) if not set(m.used) & consumed]
        if not found:
            return NOTHING
        stated = durations(reading.words, situation.weekday)
        day = situation.day if situation.day is not None and situation.day >= 0 else None
        known = [value for value in (stated.days, day) if value is not None]
        persists = bool(still)
        limit = situation.settle_days
        best = NOTHING
        for match in found:
            stance = judge(reading, _span(match), consumed)
            if stance in (Stance.NEGATED, Stance.INFO, Stance.OTHER_PAST):
                continue
            late = day is not None and day > limit
            if stance is Stance.QUESTION and not persists and stated.days is None and not late:
                continue  # "how long does swelling last?": the FAQ answers it
            sure = (stance is Stance.OWN or (stance is Stance.QUESTION and persists)) and not (
                _diminished(reading, match)
            )
            if known and max(known) > limit:
                level = Level.CLEAR if sure else Level.DOUBTFUL
                reason = f"day {max(known)} > {limit}"
            elif stated.vague or (persists and not known):
                level, reason = Level.DOUBTFUL, "no duration"
            elif known:
                level, reason = Level.EARLY, f"day {max(known)} <= {limit}"
            else:
                continue
            if level > best.level:
                best = Assessment(level=level, rule_id=match.key, phrase=match.phrase,
                                  reason=reason)
        return best


# "thodi lali", "a little swollen": said lightly, so past the day limit a person looks
# (a normal case) rather than the urgent reply.
DIMINISHERS = frozenset({
    "little", "slight", "slightly", "bit", "mild", "mildly", "thoda", "thodi", "thora", "thori",
    "halka", "halki", "हल्का", "हल्की", "थोडा", "थोडी",
})


def _diminished(reading: Reading, match: PhraseMatch) -> bool:
    return bool(set(reading.words[max(0, match.start - 2) : match.start]) & DIMINISHERS)


def _span(match: PhraseMatch) -> Span:
    return Span(start=match.start, end=match.end, used=match.used)
