"""Red-flag triage: does a patient's message need a human now, whatever its language and
whatever words the patient uses.

The message is read as sentences and clauses (core.language); the content's concepts are
found as phrases and as `together` word groups (core.phrases: typos, Hindi endings, sound
keys across scripts), numbers are read (core.measures: 38.9 °C, 8/10), and the patient's
own symptoms and distress that are no red flag are found too (core.concerns). The words
around each finding say whose symptom it is and whether it is there (core.cues). Levels:

- CLEAR: the patient (or a carer, for them) reports a red flag ("I have fever", "temp
  38.9", "my mother's lips are swelling", "face still very swollen on day 5"): the urgent
  reply and an urgent alert.
- DOUBTFUL: a red-flag word that may or may not be theirs ("is fever normal?", "not sure
  if it's pus", "still swollen" with no day known), or their own symptom that is no red
  flag but needs a look (a lump, numbness, pain 5/10, "please call me, I'm scared", 😰):
  a calm reply and a normal case. When unsure, a human sees it.
- EARLY: what is expected in the first days (swelling, bruising, redness, soreness,
  itching within the protocol's `settle_days`): "this is normal" and when to worry.
- INFO: a red-flag word that is not the patient's symptom: "no fever", "what are the signs
  of infection?", "my friend had fever", "had a temperature on Sunday, it passed".

Safety choices kept from the start: every rule in every language whatever the
patient's language ("fever" from a Hindi speaker, "bukhar" from an English one); the
whole message is read, however long; a phrase at the end of a long message counts.
Every finding at the chosen level is kept in `matched`, so the staff card can say why
("chills + 102°F").
"""

from __future__ import annotations

import bisect
import enum
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, replace

from core import concerns
from core.content import ANY_LANGUAGE, DEFAULT_SETTLE_DAYS, RedFlags
from core.cues import (
    FIRST_PERSON,
    NEGATIONS,
    POSSESSIVE,
    REPORTS,
    THIRD_PERSON,
    Grams,
    Span,
    Stance,
    changed_to,
    first_person,
    judge,
    negated_near,
)
from core.language import Reading, durations, is_devanagari, read
from core.learned import Learned
from core.measures import Grade, readings
from core.phrases import Lexicon, Lookup, PhraseIndex, PhraseMatch, Together, TogetherIndex
from core.spelling import sound_key
from core.text_match import normalize


class Level(enum.IntEnum):
    """How much a message needs a person; higher wins when a message has several."""

    NONE = 0
    INFO = 1  # a red-flag word, not the patient's symptom: the warning-signs answer
    EARLY = 2  # swelling, bruising, redness while still expected: "this is normal"
    DOUBTFUL = 3  # maybe theirs, or their own symptom that needs a look: a normal case
    CLEAR = 4  # the urgent reply and an urgent case


STANCE_LEVEL = {
    Stance.OWN: Level.CLEAR,
    Stance.NEGATED: Level.INFO,
    Stance.INFO: Level.INFO,
    Stance.OTHER_PAST: Level.INFO,
    # Someone else, now: in the patient's own chat that is usually a carer writing for
    # them ("my mother had the treatment and she has fever"): urgent like their own when
    # the message speaks of the treatment or says so (`_Message.carer`); otherwise a
    # person looks ("my son has a fever so I may reply late").
    Stance.OTHER_NOW: Level.DOUBTFUL,
    Stance.QUESTION: Level.DOUBTFUL,
    Stance.HEDGED: Level.DOUBTFUL,
}
EXPLAINED = 4  # clear findings that are enough to name on the card
# ... looked for in the urgent sentence up to this many words past its first: a run-on
# message (10,000 characters and no full stop) is not read to its end for the card.
CARD_SPAN = 60
# Rule ids of what is no content rule: numbers read, and symptoms that are no red flag.
FEVER_RULE = "infection"
PAIN_RULE = "severe-pain"
SYMPTOM_RULE = "symptom"
DISTRESS_RULE = "distress"
# A symptom in the past tense ("had", "felt", "tha") with one of these later in the
# message has passed: "felt feverish after the session, totally fine now".
PAST_MARKERS = frozenset({
    "had", "was", "were", "felt", "got", "yesterday", "earlier", "tha", "thi", "hua",
    "hui", "pehle", "था", "थी", "थे", "हुआ", "हुई", "पहले",
})


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
    # Everything found at this level, as staff read it: ("chills", "102°F").
    matched: tuple[str, ...] = ()
    # Something was denied, had passed or measured normal ("no pain", "98.4, normal").
    calm: bool = False


NOTHING = Assessment(level=Level.NONE)


@dataclass(frozen=True, kw_only=True)
class RedFlagHit:
    """The rule that fired and the content phrase it matched."""

    rule_id: str
    phrase: str


def _hindi(language: str) -> bool:
    return language not in ("en", ANY_LANGUAGE)


def _together(red_flags: RedFlags) -> list[Together]:
    """The rules' `together` groups, each group the union of its languages' words."""
    found = []
    for rule in red_flags.rules:
        for groups in rule.together:
            size = max(len(lists) for lists in groups.values())
            merged: list[list[tuple[str, bool]]] = [[] for _ in range(size)]
            for language, lists in groups.items():
                for index, words in enumerate(lists):
                    merged[index].extend((word, _hindi(language)) for word in words)
            found.append(Together(key=rule.id, groups=tuple(tuple(g) for g in merged)))
    return found


def _symptom_phrases() -> list[tuple[str, str, bool]]:
    vocabulary = (("expected", concerns.EXPECTED), ("unexpected", concerns.UNEXPECTED),
                  ("distress", concerns.DISTRESS), ("slip", concerns.SLIPS))
    return [(phrase, key, _hindi(language))
            for key, by_language in vocabulary
            for language, phrases in by_language.items() for phrase in phrases]


@dataclass(frozen=True, kw_only=True)
class Triage:
    """The red-flag concepts of all languages, the lasting-symptom rule and the words of
    symptoms that are no red flag; build once."""

    flags: PhraseIndex
    together: TogetherIndex
    symptoms: PhraseIndex | None
    still: PhraseIndex | None
    own: PhraseIndex
    lexicon: Lexicon  # every word of the indexes above: one look-up per word of a message
    emergencies: frozenset[str]  # rules urgent whoever has them (RedFlagRule.emergency)
    # The learned readers core.understanding asks after the rules (core/learned.py); None:
    # the rules alone.
    learned: Learned | None = None

    @classmethod
    def build(cls, red_flags: RedFlags, languages: Iterable[str],
              learned: Learned | None = None) -> Triage:
        # `languages` is accepted for symmetry with FaqIndex but deliberately not used to
        # filter: phrases of every language in the file are always checked.
        del languages
        ignore = [word for words in red_flags.ignore.values() for word in words]
        flag_phrases = [(phrase, rule.id, _hindi(language))
                        for rule in red_flags.rules
                        for language, phrases in rule.phrases.items()
                        for phrase in phrases]
        flags = PhraseIndex.build(flag_phrases, ignore)
        concepts = _together(red_flags)
        together = TogetherIndex.build(concepts, ignore)
        own_phrases = _symptom_phrases()
        own = PhraseIndex.build(own_phrases)
        lasting = red_flags.lasting
        lasting_phrases = [] if lasting is None else [
            (word, lasting.id, _hindi(language))
            for language, words in lasting.symptoms.items() for word in words]
        still_phrases = [] if lasting is None else [
            (word, "still", _hindi(language))
            for language, words in lasting.still.items() for word in words]
        lexicon = Lexicon(PhraseIndex.build([
            *flag_phrases, *own_phrases, *lasting_phrases, *still_phrases,
            *((word, "together", hindi) for concept in concepts
              for group in concept.groups for word, hindi in group),
        ], ignore))
        emergencies = frozenset(rule.id for rule in red_flags.rules if rule.emergency)
        if lasting is None:
            return cls(flags=flags, together=together, symptoms=None, still=None,
                       own=own, lexicon=lexicon, emergencies=emergencies, learned=learned)
        return cls(flags=flags, together=together,
                   symptoms=PhraseIndex.build(lasting_phrases, ignore),
                   still=PhraseIndex.build(still_phrases), own=own,
                   lexicon=lexicon, emergencies=emergencies, learned=learned)

    def check(self, text: str) -> RedFlagHit | None:
        """A clear red flag in `text` when nothing else is known about the patient."""
        found = self.assess(text)
        if found.level is Level.CLEAR and found.rule_id and found.phrase:
            return RedFlagHit(rule_id=found.rule_id, phrase=found.phrase)
        return None

    def assess(self, text: str, situation: Situation | None = None) -> Assessment:
        """The verdict on `text` for a patient in `situation` (see the module doc)."""
        text = concerns.emoji_as_words(text)
        reading = read(text)
        if not reading.words:
            if concerns.worried_emoji(text):
                return Assessment(level=Level.DOUBTFUL, rule_id=DISTRESS_RULE,
                                  phrase="emoji", reason="worried emoji", matched=("😟",))
            return NOTHING
        situation = situation or Situation()
        not_symptoms = _positions(reading, concerns.NOT_SYMPTOMS)
        idioms = _positions(reading, concerns.IDIOMS) | not_symptoms
        lookup = self.lexicon.lookup()
        still = self.still.find(reading, lookup) if self.still is not None else []
        consumed = frozenset(p for match in still for p in match.used) | idioms
        message = _Message.read(reading)
        joking = concerns.laughing(text, reading.words)
        found: list[Assessment] = []
        denied: set[str] = set()
        flagged: set[int] = set()
        calm = bool(idioms - not_symptoms)  # "this traffic is killing me": said, not suffered

        def judged(matches: Iterable[PhraseMatch]) -> None:
            nonlocal calm
            clear = 0
            urgent_sentences: set[int] = set()
            card_until = len(reading.words)
            for match in matches:
                if clear >= EXPLAINED:
                    return  # urgent already, and enough said on the card
                if clear and (reading.sentence_of(match.start) not in urgent_sentences
                              or match.start > card_until):
                    # Urgent already: only its own sentence, near it, adds to the card, and
                    # matches come in order, so none after this one can (a long message is
                    # not read to its end).
                    return
                if match.used & idioms or (joking and message.joking_about(match.start)):
                    calm = True
                    continue
                stance = _stance(message, _span(match), consumed)
                if stance is Stance.NEGATED:
                    denied.update(reading.words[position] for position in match.used)
                calm = calm or stance in (Stance.NEGATED, Stance.OTHER_PAST)
                flagged.update(match.used)
                level = STANCE_LEVEL[stance]
                if stance is Stance.OTHER_NOW and match.key in self.emergencies:
                    level = Level.CLEAR  # "wife ke honth sooj gaye achanak"
                if level is Level.CLEAR:
                    if not clear:
                        card_until = match.start + CARD_SPAN
                    clear += 1
                    urgent_sentences.add(reading.sentence_of(match.start))
                found.append(Assessment(level=level, rule_id=match.key,
                                        phrase=match.phrase, reason=stance.value))

        def urgent() -> bool:
            return any(a.level is Level.CLEAR for a in found)

        judged(self.flags.finds(reading, lookup))
        measured, normal = self._numbers(text, message, consumed)
        found.extend(measured)
        calm = calm or normal
        # Nothing can rank above a clear red flag: the rest is read only without one.
        if not urgent():
            judged(self.together.find(reading, lookup))
        if not urgent():
            lasting = self._lasting(message, situation, still, consumed, lookup)
            found.append(lasting)
            calm = calm or lasting.calm
            own, own_calm = self._own(text, message, situation, consumed | flagged,
                                      joking=joking, still=still, lookup=lookup)
            found.extend(own)
            calm = calm or own_calm
        best = max(found, key=lambda a: a.level, default=NOTHING)
        if best.level is Level.NONE:
            return replace(NOTHING, calm=calm)
        # Each thing once, whatever script or spelling the content lists it in.
        said: dict[str, str] = {}
        for part in (part for a in found if a.level is best.level and a.phrase
                     for part in a.phrase.split(" + ")):
            key = " ".join(sound_key(w) or w for w in normalize(part).split())
            if key not in said or (part.isascii() and not said[key].isascii()):
                said[key] = part  # staff read Latin letters more easily than Devanagari
        matched = tuple(said.values())[:4]
        # The first content rule at the level names the case ("infection"), before a
        # symptom or a plea.
        named = next((a for a in found if a.level is best.level
                      and a.rule_id not in (SYMPTOM_RULE, DISTRESS_RULE)), best)
        return replace(named, matched=matched, denied=frozenset(denied), calm=calm)

    def _numbers(
        self, text: str, message: _Message, consumed: frozenset[int]
    ) -> tuple[list[Assessment], bool]:
        """Temperatures and pain scores: high is a red flag, raised a look, normal calm."""
        reading = message.reading
        found = []
        normal = False
        counted, words_before = 0, 0  # words before `counted` (readings come in order)
        for measure in readings(text):
            if measure.start < counted:
                continue  # overlaps the reading before
            if measure.grade is Grade.NORMAL:
                normal = True  # "98.4, normal": calm news, whoever's it is
                continue
            words_before += len(normalize(text[counted : measure.start]).split())
            counted = measure.start
            start = words_before
            size = max(1, len(normalize(text[measure.start : measure.end]).split()))
            if start >= len(reading.words):
                continue
            span = Span(start=start, end=min(len(reading.words), start + size),
                        used=frozenset(range(start, min(len(reading.words), start + size))))
            stance = _stance(message, span, consumed)
            level = STANCE_LEVEL[stance]
            if measure.grade is Grade.RAISED and level is Level.CLEAR:
                level = Level.DOUBTFUL
            rule = (FEVER_RULE if measure.what == "temperature" else PAIN_RULE) if (
                measure.grade is Grade.HIGH) else SYMPTOM_RULE
            found.append(Assessment(level=level, rule_id=rule, phrase=measure.shown,
                                    reason=stance.value))
        return found, normal

    def _own(
        self, text: str, message: _Message, situation: Situation, taken: frozenset[int],
        *, joking: bool, still: list[PhraseMatch], lookup: Lookup,
    ) -> tuple[list[Assessment], bool]:
        """The patient's own symptoms that are no red flag, and their distress."""
        reading = message.reading
        found: list[Assessment] = []
        calm = False
        day = situation.day if situation.day is not None and situation.day >= 0 else None
        late = day is not None and day > situation.settle_days
        lasting_sentences = {reading.sentence_of(m.start) for m in still
                             if m.phrase in concerns.STUBBORN}
        # Sentences that say something is getting worse ("... aur badh rahi"; not "no
        # longer spreading", "badh nahi rahi").
        worsening = {reading.sentence_of(index) for index, word in enumerate(reading.words)
                     if word in concerns.WORSENING and not _negated_at(reading, index)}
        for match in self.own.find(reading, lookup):
            if match.used & taken:
                continue
            if joking and message.joking_about(match.start):
                calm = True
                continue
            if match.key == "slip":  # "by mistake", "galti ho gayi": whatever the tense
                found.append(Assessment(level=Level.DOUBTFUL, rule_id=DISTRESS_RULE,
                                        phrase=match.phrase, reason="slip"))
                continue
            stance = _stance(message, _span(match), taken - match.used)
            distress = match.key == "distress"
            if distress and _not_distress(message, match):
                continue
            plea = distress and match.phrase in concerns.PLEAS
            if stance is Stance.QUESTION and (plea or (
                not distress and _asks_about_self(reading, match)
            )):
                stance = Stance.OWN  # "ab kya karu?", "is it normal that my cheek is numb?"
            theirs = (Stance.OWN, Stance.HEDGED) if distress else (
                Stance.OWN, Stance.HEDGED, Stance.OTHER_NOW)
            if stance not in theirs:
                calm = calm or stance in (Stance.NEGATED, Stance.OTHER_PAST)
                continue
            persisting = reading.sentence_of(match.start) in lasting_sentences or (
                reading.sentence_of(match.start) in message.unrelieved)
            needs_look = match.key in ("distress", "unexpected") or late or persisting or (
                _intense(reading, match)) or reading.sentence_of(match.start) in worsening
            level = Level.DOUBTFUL if needs_look else Level.EARLY
            found.append(Assessment(
                level=level, rule_id=DISTRESS_RULE if match.key == "distress" else SYMPTOM_RULE,
                phrase=match.phrase, reason=f"{match.key}: {stance.value}",
            ))
        if concerns.worried_emoji(text):
            found.append(Assessment(level=Level.DOUBTFUL, rule_id=DISTRESS_RULE, phrase="😟",
                                    reason="worried emoji"))
        return found, calm

    def _lasting(
        self, message: _Message, situation: Situation, still: list[PhraseMatch],
        consumed: frozenset[int], lookup: Lookup,
    ) -> Assessment:
        """Swelling, bruising or redness: normal early, a red flag past the day limit."""
        reading = message.reading
        if self.symptoms is None:
            return NOTHING
        # A symptom phrase may use the "still" that says it lasts ("still red").
        taken = consumed - {p for m in still for p in m.used}
        found = [m for m in self.symptoms.find(reading, lookup) if not set(m.used) & taken]
        if not found:
            return NOTHING
        stated = durations(reading.words, situation.weekday)
        day = situation.day if situation.day is not None and situation.day >= 0 else None
        known = [value for value in (stated.days, day) if value is not None]
        persists = bool(still)
        limit = situation.settle_days
        best = NOTHING
        settled = False  # "the bruise is fading", "sujan kam ho gayi": calm news
        for match in found:
            stance = _stance(message, _span(match), consumed)
            if stance in (Stance.NEGATED, Stance.INFO, Stance.OTHER_PAST):
                settled = settled or stance is not Stance.INFO
                continue
            if _healing(reading, match):
                settled = True  # "bruise turning yellow at the edges", "neel peela ho raha"
                continue
            late = day is not None and day > limit
            if stance is Stance.QUESTION and not persists and stated.days is None and not late:
                continue  # "how long does swelling last?": the FAQ answers it
            sure = (stance in (Stance.OWN, Stance.OTHER_NOW)
                    or (stance is Stance.QUESTION and persists)) and not (
                _diminished(reading, match)
            )
            if known and max(known) > limit:
                level = Level.CLEAR if sure else Level.DOUBTFUL
                reason = f"day {max(known)} > {limit}"
            elif stated.vague or (persists and not known):
                level, reason = Level.DOUBTFUL, "no duration"
            elif known and sure and _strongly(reading, match):
                level, reason = Level.DOUBTFUL, "said strongly"
            elif known:
                level, reason = Level.EARLY, f"day {max(known)} <= {limit}"
            else:
                continue
            if level > best.level:
                best = Assessment(level=level, rule_id=match.key, phrase=match.phrase,
                                  reason=reason)
        return replace(best, calm=settled) if settled and best is NOTHING else best


@dataclass(frozen=True, kw_only=True)
class _Message:
    """What only the whole message tells, read once (a long message has many findings):
    the sentences that speak in the past tense or of money and traffic, where it says a
    symptom is over ("it passed", "ab theek hu"), and whether the writer says they are
    fine."""

    reading: Reading
    past: frozenset[int]  # sentences with a past-tense marker
    figurative: frozenset[int]  # sentences with money, traffic, cricket ...
    over: tuple[int, ...]  # positions where "it passed", "fine now" ... starts
    fine: bool
    carer: bool  # "writing for my wife", "bhaiya likh raha hu": they are the patient
    treated: bool  # the message speaks of the treatment ("my dad had his scalp done")
    unrelieved: frozenset[int]  # sentences saying nothing helps ("cream se bhi aaram nahi")

    @classmethod
    def read(cls, reading: Reading) -> _Message:
        words = reading.words
        past: set[int] = set()
        figurative: set[int] = set()
        over: list[int] = []
        unrelieved: set[int] = set()
        for index in itertools.compress(range(len(words)), map(_READ_FIRST.__contains__, words)):
            word = words[index]
            if word in PAST_MARKERS:
                past.add(reading.sentence_of(index))
            if word in concerns.FIGURATIVE:
                figurative.add(reading.sentence_of(index))
        for index in concerns.NO_RELIEF.candidates(words):
            if concerns.NO_RELIEF.at(words, index):
                unrelieved.add(reading.sentence_of(index))
        for index in concerns.NOW_FINE.candidates(words):
            fine = concerns.NOW_FINE.at(words, index)
            if fine and not set(words[max(0, index - 2) : index]) & _NOT_OVER and (
                not changed_to(words, index + len(fine))  # "gone from mild to bad"
            ):
                over.append(index)
        return cls(reading=reading, past=frozenset(past), figurative=frozenset(figurative),
                   over=tuple(over), fine=concerns.SELF_FINE.found(words),
                   unrelieved=frozenset(unrelieved),
                   carer=concerns.CARERS.found(words),
                   treated=concerns.TREATMENT.found(words))

    def passed(self, span: Span) -> bool:
        """A past symptom the message later says is over ("had fever on Sunday, it
        passed", "pehle bukhar tha ab nahi"): in its sentence or the next, with no "still"
        between ("had a fever last night and still have it") and not about another symptom
        ("got fever yesterday. the redness has gone down": the redness is over)."""
        reading = self.reading
        sentence = reading.sentence_of(span.start)
        if sentence not in self.past:
            return False
        said = {reading.words[position] for position in span.used}
        for over in self.over[bisect.bisect_left(self.over, span.end):]:
            if reading.sentence_of(over) > sentence + 1 or concerns.STILL.found(
                    reading.words[span.end : over]):
                return False
            clause = reading.clause_words(reading.clause_of[over])
            if concerns.SUBJECTS.isdisjoint(clause) or not concerns.SUBJECTS.intersection(
                    clause) - said:
                return True
        return False

    def joking_about(self, position: int) -> bool:
        return self.reading.sentence_of(position) in self.figurative


# Before "fine" or "gone", these say it is not the symptom that is over: "not fine",
# "baaki sab thik hai" (the rest is fine).
# ... and "would be gone by now", "should be fine": what was hoped, not what is.
_NOT_OVER = NEGATIONS | concerns.OTHERWISE | frozenset({
    "would", "should", "could", "might", "will", "hoped", "expected", "supposed",
})
# The words `_Message.read` looks at (a long message is mostly other words: one pass in C).
_READ_FIRST = PAST_MARKERS | concerns.FIGURATIVE


def _stance(message: _Message, span: Span, consumed: Iterable[int]) -> Stance:
    """core.cues.judge, and what only the whole message tells: a past symptom the message
    later says is over is no longer there, and a general question from someone who says
    they are fine asks for information."""
    reading = message.reading
    stance = judge(reading, span, frozenset(consumed))
    if stance is Stance.OTHER_PAST and message.carer:
        stance = Stance.OWN  # "writing for my wife: she blacked out when she got up"
    elif stance is Stance.OTHER_NOW and (message.carer or message.treated):
        stance = Stance.OWN  # "my mother had the treatment and she has fever"
    if stance in (Stance.OWN, Stance.HEDGED, Stance.QUESTION, Stance.OTHER_NOW) and (
        message.passed(span)
    ):
        return Stance.NEGATED
    if stance is Stance.QUESTION and message.fine and not _asks_about_self_at(
        reading, span.start
    ):
        return Stance.INFO
    if stance is Stance.QUESTION and _normal_for_them(reading, span.start):
        return Stance.OWN  # "is it normal that a little pus is there? asking because I ..."
    return stance


# "Is it normal ...?", "should it ...?", "... theek hai kya?": a question whether what the
# patient has is normal.
NORMALITY = frozenset({
    "normal", "नॉर्मल", "नॉरमल", "नार्मल", "सामान्य", "samanya", "ok", "okay", "theek", "thik",
    "ठीक", "supposed", "expected", "usual", "should", "chahiye", "चाहिए",
})
# ... about the patient's own: "ye", "itna", or a later word of theirs now ("mine does",
# "mera to badh raha", "ab bardasht nahi ho raha"; core.cues.first_person).
HERE_NOW = frozenset({
    "ye", "yeh", "ये", "यह", "itna", "itni", "itne", "इतना", "इतनी", "इतने",
    "aisa", "aisi", "ऐसा", "ऐसी", "now", "ab", "abhi", "अब", "अभी", "today", "aaj", "आज",
    "already",
})
FOLLOWING_CLAUSES = 2  # how far after the question "mine does" may stand
MINE = frozenset({"mine", "mujhe", "मुझे", "muje"})


def _normal_for_them(reading: Reading, position: int) -> bool:
    """A question whether a symptom is normal, about the patient's own: "is it normal to
    get blisters after meso? i have 3 of them", "should it hurt more each day? mine does".
    (A question about it in general, "is fever normal?", stays a question.)"""
    clause = reading.clause_of[position]
    words = reading.clause_words(clause)
    if NORMALITY.isdisjoint(words):
        return False
    if first_person(words) or not HERE_NOW.isdisjoint(words):
        return True
    # After it, a report ("i have 3 of them"), "mine", "mera", or "now": not "asking so i
    # dont freak out later".
    last = min(len(reading.clauses), clause + FOLLOWING_CLAUSES + 1)
    return any(REPORTS.found(later) or not HERE_NOW.isdisjoint(later) or _mine(later)
               for later in map(reading.clause_words, range(clause + 1, last)))


def _mine(words: tuple[str, ...]) -> bool:
    """ "mine", "mujhe", or "my"/"mera" of no other person ("my cheek"; not "my friend")."""
    return any(word in MINE or (word in POSSESSIVE and (
        index + 1 == len(words) or words[index + 1] not in THIRD_PERSON))
        for index, word in enumerate(words))


def _not_distress(message: _Message, match: PhraseMatch) -> bool:
    """Fear that has passed ("I was so nervous yesterday, thank you all") or fear of the
    treatment itself ("scared of needles", "sui se dar lagta hai"): no distress now."""
    reading = message.reading
    clause = set(reading.clause_words(reading.clause_of[match.start]))
    asking = any(c.question for c in reading.clauses)
    return reading.sentence_of(match.start) in message.past or bool(
        clause & concerns.PROCEDURE_FEARS) or (asking and bool(
            set(reading.words) & concerns.NEEDLES))


def _asks_about_self_at(reading: Reading, position: int) -> bool:
    clause = reading.clause_words(reading.clause_of[position])
    return bool(set(clause) & (FIRST_PERSON | POSSESSIVE))


def _asks_about_self(reading: Reading, match: PhraseMatch) -> bool:
    """ "is it normal that my cheek is numb?": a question about the patient's own state."""
    return _asks_about_self_at(reading, match.start)


def _strongly(reading: Reading, match: PhraseMatch) -> bool:
    """A swelling, bruise or redness said strongly in its clause ("itni sooj gayi")."""
    clause = reading.clause_words(reading.clause_of[match.start])
    return bool(set(clause) & concerns.LASTING_STRONG)


def _intense(reading: Reading, match: PhraseMatch) -> bool:
    """Said strongly: "so itchy", "bahut jalan", "बहोत जादा" (by sound), or a word said
    twice ("khinchi khinchi", "bhaari bhaari": in Hindi, more of it)."""
    clause = reading.clause_words(reading.clause_of[match.start])
    return bool(set(clause) & concerns.INTENSE) or any(
        first == second for first, second in itertools.pairwise(clause)) or any(
        is_devanagari(word[0]) and sound_key(word) in _INTENSE_SOUNDS for word in clause)


# The Hindi intensity words by sound: "बहोत", "जादा" are "bahot", "jada".
_INTENSE_SOUNDS = frozenset(key for key in map(sound_key, concerns.INTENSE)
                            if key is not None and len(key) >= 4)


def _negated_at(reading: Reading, position: int) -> bool:
    """The word at `position` negated within its sentence (core.cues.negated_near)."""
    sentence = reading.sentence_of(position)
    sentences = reading.sentence_at
    start = bisect.bisect_left(sentences, sentence)
    end = bisect.bisect_right(sentences, sentence)
    return negated_near(reading.words[start:end], position - start, 1)


def _positions(reading: Reading, grams: Grams) -> frozenset[int]:
    """The word positions of every occurrence of `grams` in `reading`."""
    words = reading.words
    found: set[int] = set()
    for index in grams.candidates(words):
        gram = grams.at(words, index)
        if gram is not None:
            found.update(range(index, index + len(gram)))
    return frozenset(found)


# "thodi lali", "a little swollen": said lightly, so past the day limit a person looks
# (a normal case) rather than the urgent reply.
DIMINISHERS = frozenset({
    "little", "slight", "slightly", "bit", "mild", "mildly", "thoda", "thodi", "thora", "thori",
    "halka", "halki", "हल्का", "हल्की", "थोडा", "थोडी",
})


def _healing(reading: Reading, match: PhraseMatch) -> bool:
    """A bruise in the colours of healing (yellow, green, brown) and not getting worse in
    its clause: "bruise looks green-yellow now", "neel ab peela hone laga". (Not the next
    clause's colour: tried, it cost a held-out red flag its urgent reply.)"""
    if not BRUISES.intersection(normalize(match.phrase).split()):
        return False
    clause = set(reading.clause_words(reading.clause_of[match.start]))
    return bool(clause & concerns.HEALING_COLOURS) and not clause & concerns.WORSENING


BRUISES = frozenset({"bruise", "bruises", "bruising", "bruised", "neel", "nil", "नील"})


def _diminished(reading: Reading, match: PhraseMatch) -> bool:
    return bool(set(reading.words[max(0, match.start - 2) : match.start]) & DIMINISHERS)


def _span(match: PhraseMatch) -> Span:
    return Span(start=match.start, end=match.end, used=match.used)
