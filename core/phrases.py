"""Finding content phrases in a message, word by word: typos, Hindi endings, short gaps.

A phrase matches when each of its words is found in order in one sentence, each word
either as written, with a small typo (words of 5+ letters: one missing or extra letter,
two from 12 letters; "feaver", "brething"), as a plural ("lip"/"lips"), or, for Hindi and
romanised Hindi phrases, with up to two more letters at its end ("सूज" -> "सूजे",
"fail" -> "failti", "chakkar aa" -> "chakkar aaya"). Between two words of a phrase up to
MAX_GAP other words may stand ("swollen on day 5, not going down"), unless one of them
turns the meaning around (a negation or a "little": "bahut kam dard" is not "bahut dard").

Short words (under 5 letters) never match by typo: "pus" is not "puss", "can" is not
"cant". Words a clinic lists as `ignore` ("discharged") match only as written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Indel

from core.cues import NEGATIONS
from core.language import Reading, is_devanagari
from core.text_match import normalize

MIN_FUZZY_LENGTH = 5
MAX_GAP = 3  # other words allowed between two words of a phrase
MAX_EXTRA = 4  # other words allowed inside one phrase in all
STEM_EXTRA = 2  # letters a Hindi word may add at its end
MIN_STEM = {True: 3, False: 4}  # shortest stem that may grow: Devanagari, Latin
# A gap word that turns the meaning around ends the match.
BLOCKERS = NEGATIONS | frozenset({
    "little", "slight", "slightly", "bit", "mild", "thoda", "thodi", "thora", "thori", "halka",
    "halki", "kam", "थोड़ा", "थोड़ी", "थोडा", "थोडी", "हल्का", "हल्की", "कम", "but", "lekin",
    "magar", "लेकिन", "मगर",
})


def typo_budget(length: int) -> int:
    """Inserted or missing letters a phrase word of `length` characters tolerates."""
    if length < MIN_FUZZY_LENGTH:
        return 0
    return 1 if length < 12 else 2


@dataclass(frozen=True, kw_only=True)
class PhraseMatch:
    """A phrase found in a message: its key (rule id), text as written, and where."""

    key: str
    phrase: str
    start: int
    end: int
    used: frozenset[int]


@dataclass(frozen=True, kw_only=True)
class _Phrase:
    key: str
    phrase: str
    words: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class PhraseIndex:
    """Phrases by first word, and the vocabulary a message's words are compared with."""

    by_first: dict[str, tuple[_Phrase, ...]]
    vocabulary: frozenset[str]
    by_length: dict[int, tuple[str, ...]]  # fuzzy-matchable vocabulary words
    stems: frozenset[str]  # words that may grow at the end (Hindi phrases)
    ignore: frozenset[str]

    @classmethod
    def build(
        cls, phrases: Iterable[tuple[str, str, bool]], ignore: Iterable[str] = ()
    ) -> PhraseIndex:
        """`phrases`: (text as written, key, whether its words may take Hindi endings)."""
        by_first: defaultdict[str, list[_Phrase]] = defaultdict(list)
        seen: set[tuple[str, ...]] = set()
        stems: set[str] = set()
        for text, key, hindi in phrases:
            words = tuple(normalize(text).split())
            if not words or words in seen:
                continue
            seen.add(words)
            by_first[words[0]].append(_Phrase(key=key, phrase=text, words=words))
            if hindi:
                for position, word in enumerate(words):
                    short_ok = position > 0  # "chakkar aa": "aa" may become "aaya"
                    if short_ok or len(word) >= MIN_STEM[is_devanagari(word[0])]:
                        stems.add(word)
        vocabulary = frozenset(w for found in by_first.values() for p in found for w in p.words)
        by_length: defaultdict[int, list[str]] = defaultdict(list)
        for word in vocabulary:
            if len(word) >= MIN_FUZZY_LENGTH:
                by_length[len(word)].append(word)
        return cls(
            by_first={word: tuple(found) for word, found in by_first.items()},
            vocabulary=vocabulary,
            by_length={length: tuple(words) for length, words in by_length.items()},
            stems=frozenset(stems),
            ignore=frozenset(normalize(word) for word in ignore),
        )

    def variants(self, token: str) -> frozenset[str]:
        """The vocabulary words `token` may stand for."""
        found: set[str] = set()
        if token in self.vocabulary:
            found.add(token)
        if token in self.ignore:
            return frozenset(found)
        if not is_devanagari(token[0]) and len(token) >= 3:
            # "lip" for "lips", "hives" for "hive"; "puss" is not "pus" (too short)
            for other in (token + "s", token[:-1] if token.endswith("s") else ""):
                if other in self.vocabulary and len(other) >= 4:
                    found.add(other)
        for cut in range(1, STEM_EXTRA + 1):
            if len(token) > cut and token[:-cut] in self.stems:
                found.add(token[:-cut])
        if len(token) >= MIN_FUZZY_LENGTH:
            for length in range(len(token) - 2, len(token) + 3):
                bucket = self.by_length.get(length)
                budget = typo_budget(length)
                if not bucket or abs(length - len(token)) > budget:
                    continue
                for word, _, _ in process.extract(
                    token, bucket, scorer=Indel.distance, score_cutoff=budget, limit=None
                ):
                    found.add(word)
        return frozenset(found)

    def find(self, reading: Reading) -> list[PhraseMatch]:
        """Every phrase in `reading`, in order of where it starts."""
        words = reading.words
        cache: dict[str, frozenset[str]] = {}

        def variants(position: int) -> frozenset[str]:
            token = words[position]
            if token not in cache:
                cache[token] = self.variants(token)
            return cache[token]

        matches: list[PhraseMatch] = []
        for start in range(len(words)):
            for first in variants(start):
                for phrase in self.by_first.get(first, ()):
                    used = self._rest(reading, phrase.words, start, variants)
                    if used is not None:
                        matches.append(PhraseMatch(
                            key=phrase.key, phrase=phrase.phrase, start=start,
                            end=max(used) + 1, used=frozenset(used),
                        ))
        return matches

    @staticmethod
    def _rest(
        reading: Reading,
        phrase: tuple[str, ...],
        start: int,
        variants: Callable[[int], frozenset[str]],
    ) -> list[int] | None:
        used = [start]
        sentence = reading.sentence_of(start)
        extra = 0
        for word in phrase[1:]:
            position = used[-1] + 1
            limit = min(len(reading.words), position + MAX_GAP + 1)
            while True:
                if position >= limit or reading.sentence_of(position) != sentence:
                    return None
                if word in variants(position):
                    break
                if reading.words[position] in BLOCKERS:
                    return None
                position += 1
                extra += 1
                if extra > MAX_EXTRA:
                    return None
            used.append(position)
        return used
