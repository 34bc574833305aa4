"""Red-flag triage: does a patient's message need a human now, whatever its language."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Indel

from core.content import RedFlags
from core.text_match import normalize

# Safety first, in three deliberate choices:
# 1. Every rule is checked in every language, whatever the patient's language: a Hindi
#    speaker may well type "fever" or "bukhar".
# 2. Negation never suppresses a flag. "no fever", "not breathing badly" and "I don't have
#    pus" all fire. Negation detection is unreliable across languages and typos; a false
#    alarm costs a staff member a glance, a missed one can cost a patient.
# 3. The whole message is read, however long: a flag at the end of a long message counts.
#
# Typo tolerance counts inserted or missing letters only (Indel distance), not replaced
# ones: "feaver"/"fevr" fire, but "never" (one letter replaced) does not fire "fever".
MIN_FUZZY_LENGTH = 5  # shorter phrases ("pus") must match exactly, as whole words
# Phrases of 3+ words also match with up to this many extra words between theirs:
# "swelling is not going down" means "swelling not going down". Two-word phrases stay
# adjacent ("bahut kam dard", very little pain, is not "bahut dard").
MAX_GAP = 1
MIN_GAPPED_WORDS = 3


def typo_budget(length: int) -> int:
    """How many inserted/missing letters a phrase of `length` characters tolerates."""
    if length < MIN_FUZZY_LENGTH:
        return 0
    if length < 12:
        return 1
    return 2  # long phrases only: "bahut pani" must not pass for "bahut pain"


@dataclass(frozen=True, kw_only=True)
class RedFlagHit:
    """The rule that fired and the content phrase it matched."""

    rule_id: str
    phrase: str


@dataclass(frozen=True, kw_only=True)
class _Phrase:
    rule_id: str
    phrase: str  # as written in the content file, for the staff alert


@dataclass(frozen=True, kw_only=True)
class Triage:
    """Red-flag phrases of all languages, grouped by word count; build once at start."""

    # word count -> normalised phrase -> the first rule (in file order) that lists it
    exact: dict[int, dict[str, _Phrase]]
    # word count -> normalised length -> phrases long enough to allow typos
    fuzzy: dict[int, dict[int, tuple[str, ...]]]
    # phrases of MIN_GAPPED_WORDS+ words, as word tuples, for in-order matching with gaps
    gapped: tuple[tuple[tuple[str, ...], _Phrase], ...]

    @classmethod
    def build(cls, red_flags: RedFlags, languages: Iterable[str]) -> Triage:
        # `languages` is accepted for symmetry with FaqIndex but deliberately not used to
        # filter: phrases of every language in the file are always checked.
        del languages
        exact: defaultdict[int, dict[str, _Phrase]] = defaultdict(dict)
        for rule in red_flags.rules:
            for phrases in rule.phrases.values():
                for phrase in phrases:
                    normalised = normalize(phrase)
                    if normalised:
                        count = len(normalised.split())
                        exact[count].setdefault(normalised, _Phrase(rule_id=rule.id, phrase=phrase))
        fuzzy: dict[int, dict[int, tuple[str, ...]]] = {}
        for count, phrases_by_text in exact.items():
            by_length: defaultdict[int, list[str]] = defaultdict(list)
            for normalised in phrases_by_text:
                if len(normalised) >= MIN_FUZZY_LENGTH:
                    by_length[len(normalised)].append(normalised)
            fuzzy[count] = {length: tuple(found) for length, found in by_length.items()}
        gapped = tuple(
            (tuple(normalised.split()), phrase)
            for count, phrases_by_text in exact.items()
            if count >= MIN_GAPPED_WORDS
            for normalised, phrase in phrases_by_text.items()
        )
        return cls(exact=dict(exact), fuzzy=fuzzy, gapped=gapped)

    def check(self, text: str) -> RedFlagHit | None:
        """The first red flag in `text`, or None. Exact phrases win over typo matches."""
        tokens = normalize(text).split()
        if not tokens:
            return None
        windows = {
            count: [" ".join(tokens[i : i + count]) for i in range(len(tokens) - count + 1)]
            for count in self.exact
        }
        for count, found in windows.items():
            phrases = self.exact[count]
            for window in found:
                if window in phrases:
                    return self._hit(phrases[window])
        hit = self._gapped(tokens)
        if hit is not None:
            return hit
        for count, found in windows.items():
            for window in dict.fromkeys(found):
                hit = self._fuzzy(count, window)
                if hit is not None:
                    return hit
        return None

    def _fuzzy(self, count: int, window: str) -> RedFlagHit | None:
        by_length = self.fuzzy[count]
        # Indel distance is at least the length difference, so only near lengths can match.
        for length in range(len(window) - 2, len(window) + 3):
            bucket = by_length.get(length)
            if not bucket:
                continue
            budget = typo_budget(length)
            if abs(length - len(window)) > budget:
                continue
            best = process.extractOne(window, bucket, scorer=Indel.distance, score_cutoff=budget)
            if best is not None:
                return self._hit(self.exact[count][best[0]])
        return None

    def _gapped(self, tokens: list[str]) -> RedFlagHit | None:
        positions: defaultdict[str, list[int]] = defaultdict(list)
        for position, token in enumerate(tokens):
            positions[token].append(position)
        for phrase_words, phrase in self.gapped:
            for start in positions.get(phrase_words[0], ()):
                at = start
                for word in phrase_words[1:]:
                    following = tokens[at + 1 : at + 2 + MAX_GAP]
                    if word not in following:
                        break
                    at += 1 + following.index(word)
                else:
                    return self._hit(phrase)
        return None

    @staticmethod
    def _hit(phrase: _Phrase) -> RedFlagHit:
        return RedFlagHit(rule_id=phrase.rule_id, phrase=phrase.phrase)
