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

The words of Hindi phrases (Devanagari or romanised) also match by sound
(core.spelling): "bukhaar", "bukar" and "बुखार" all meet "bukhar", in either script, and
short words too ("drd" is not a sound-alike of "dard", but "khun" is of "khoon"). An
English word never matches a Hindi one by sound unless it is spelt exactly so: "pass" is
not "पस" (pus).

`Together` groups (`find_together`) are the other way a concept is found: one word of
each group in one sentence, in any order and up to TOGETHER_SPAN words apart ("white stuff
seeping out of the dots", "nikal raha hai paani").
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Indel

from core.cues import HINDI_NOT, NEGATIONS
from core.language import Reading, is_devanagari
from core.spelling import MIN_NEAR_KEY, loan_key, romanize, sound_key
from core.text_match import normalize

MIN_FUZZY_LENGTH = 5
MAX_GAP = 3  # other words allowed between two words of a phrase
MAX_EXTRA = 4  # other words allowed inside one phrase in all
STEM_EXTRA = 2  # letters a Hindi word may add at its end
MIN_STEM = {True: 3, False: 4}  # shortest stem that may grow: Devanagari, Latin
MIN_KEY = 3  # sound keys shorter than this ("ak" for "aankh") match only as written
VOWELS = frozenset("aeiou")
MIN_ENDING_KEY = 5  # "sooji"/"sooja": keys this long may differ in their last vowel
TOGETHER_SPAN = 12  # the words of a `together` group may stand this far apart in all
# A gap word that turns the meaning around ends the match.
BLOCKERS = NEGATIONS | frozenset({
    "little", "slight", "slightly", "bit", "mild", "thoda", "thodi", "thora", "thori", "halka",
    "halki", "kam", "थोड़ा", "थोड़ी", "थोडा", "थोडी", "हल्का", "हल्की", "कम", "but", "lekin",
    "magar", "लेकिन", "मगर",
})


def _consonants(word: str) -> str:
    latin = romanize(word) if is_devanagari(word[0]) else word
    return "".join(char for char in latin if char not in "aeiouy")


def _short_alike(token: str, word: str) -> bool:
    """Both of four letters or more as Latin spells them ("खुन" is "khun"), with the same
    consonants."""
    spelt = romanize(word) if is_devanagari(word[0]) else word
    typed = romanize(token) if is_devanagari(token[0]) else token
    return len(typed) >= 4 and len(spelt) >= 4 and _consonants(token) == _consonants(word)


def _skeleton(sound: str) -> str:
    return "".join(char for char in sound if char not in VOWELS)


# What a Hindi word of two letters grows by, in Latin letters ("aa" -> "aaya", "aata", "aala").
_ENDING = re.compile(r"[aeiouyhntlg]+$")


def _unschwa(sound: str) -> str:
    """`sound` without the "a"s after its first letter."""
    return sound[0] + sound[1:].replace("a", "")


def _vowels(sound: str) -> int:
    return sum(char in VOWELS for char in sound)


def _kept_vowels(sound: str, other: str) -> bool:
    """Whether the vowels of `sound` are some of `other`'s, in order ("nhi" of "nahi")."""
    rest = iter(char for char in other if char in VOWELS)
    return all(char in rest for char in sound if char in VOWELS)


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
    # sound key -> Hindi vocabulary words (Devanagari or romanised) with that key
    sounds: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sounds_by_length: dict[int, tuple[str, ...]] = field(default_factory=dict)
    # consonants of a sound key -> Hindi vocabulary words: "bdh" (texting) is "badh"
    skeletons: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # a sound key without its last vowel -> Hindi words: "mote", "moti", "mota" are one
    # adjective ("thick"); "sooja", "sooji" one verb
    endings: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # loan key -> English vocabulary words: "रेडनेस" is "redness" (core.spelling.loan_key)
    loans: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _near_cache: dict[int, tuple[str, ...]] = field(default_factory=dict, repr=False,
                                                    compare=False)

    @classmethod
    def build(
        cls, phrases: Iterable[tuple[str, str, bool]], ignore: Iterable[str] = ()
    ) -> PhraseIndex:
        """`phrases`: (text as written, key, whether its words may take Hindi endings)."""
        by_first: defaultdict[str, list[_Phrase]] = defaultdict(list)
        seen: set[tuple[str, tuple[str, ...]]] = set()
        stems: set[str] = set()
        sounds: defaultdict[str, set[str]] = defaultdict(set)
        loans: defaultdict[str, set[str]] = defaultdict(set)
        for text, key, hindi in phrases:
            words = tuple(normalize(text).split())
            if not words or (key, words) in seen:
                continue
            seen.add((key, words))
            by_first[words[0]].append(_Phrase(key=key, phrase=text, words=words))
            if hindi:
                for word in words:
                    sound = sound_key(word)
                    if sound is not None and len(sound) >= MIN_KEY:
                        sounds[sound].add(word)
                for position, word in enumerate(words):
                    short_ok = position > 0  # "chakkar aa": "aa" may become "aaya"
                    if short_ok or len(word) >= MIN_STEM[is_devanagari(word[0])]:
                        stems.add(word)
            else:
                for word in words:
                    loan = loan_key(word) if word.isascii() else None
                    if loan is not None:
                        loans[loan].add(word)
        vocabulary = frozenset(w for found in by_first.values() for p in found for w in p.words)
        by_length: defaultdict[int, list[str]] = defaultdict(list)
        for word in vocabulary:
            if len(word) >= MIN_FUZZY_LENGTH:
                by_length[len(word)].append(word)
        sounds_by_length: defaultdict[int, list[str]] = defaultdict(list)
        skeletons: defaultdict[str, set[str]] = defaultdict(set)
        endings: defaultdict[str, set[str]] = defaultdict(set)
        for sound, spelt in sounds.items():
            if len(sound) >= MIN_NEAR_KEY:
                sounds_by_length[len(sound)].append(sound)
            bones = _skeleton(sound)
            if len(bones) >= 2:
                skeletons[bones].update(spelt)
            if len(sound) >= MIN_ENDING_KEY and sound[-1] in VOWELS:
                endings[sound[:-1]].update(spelt)
        return cls(
            by_first={word: tuple(found) for word, found in by_first.items()},
            vocabulary=vocabulary,
            by_length={length: tuple(words) for length, words in by_length.items()},
            stems=frozenset(stems),
            ignore=frozenset(normalize(word) for word in ignore),
            sounds={sound: tuple(sorted(words)) for sound, words in sounds.items()},
            sounds_by_length={n: tuple(found) for n, found in sounds_by_length.items()},
            skeletons={bones: tuple(sorted(words)) for bones, words in skeletons.items()},
            endings={stem: tuple(sorted(words)) for stem, words in endings.items()},
            loans={loan: tuple(sorted(words)) for loan, words in loans.items()},
        )

    def variants(self, token: str) -> frozenset[str]:
        """The vocabulary words `token` may stand for."""
        found: set[str] = set()
        if token in self.vocabulary:
            found.add(token)
        if token in self.ignore:
            return frozenset(found)
        if token in HINDI_NOT:  # "ruk nhi" is "ruk nahi", "रुक नही" is "रुक नहीं"
            found.update(HINDI_NOT & self.vocabulary)
        if not is_devanagari(token[0]) and len(token) >= 3:
            # "lip" for "lips", "hives" for "hive"; "puss" is not "pus" (too short)
            for other in (token + "s", token[:-1] if token.endswith("s") else ""):
                if other in self.vocabulary and len(other) >= 4:
                    found.add(other)
        for cut in range(1, STEM_EXTRA + 1):
            stem = token[:-cut]
            if len(token) > cut and stem in self.stems and (
                    len(stem) > 2 or is_devanagari(token[0]) or _ENDING.match(token[-cut:])):
                found.add(stem)  # "aa" may be "aaya", "do" is no "dots"
        known = token in self.vocabulary  # a word spelt right is no typo of another
        if not known and len(token) == MIN_FUZZY_LENGTH - 1 and not is_devanagari(token[0]):
            # "fevr": one letter left out of a longer word is forgiven; a 4-letter word
            # is never taken for another 4-letter one ("pain" is not "paid").
            bucket = self.by_length.get(MIN_FUZZY_LENGTH)
            if bucket:
                found.update(word for word, _, _ in process.extract(
                    token, bucket, scorer=Indel.distance, score_cutoff=1, limit=None
                ) if word[0] == token[0])
        if not known and len(token) >= MIN_FUZZY_LENGTH:
            # One scan of the words within two letters of its length; each keeps its own
            # budget (a word of 5-11 letters forgives one slip, of 12 or more two).
            for word, distance, _ in process.extract(
                token, self._near(len(token)), scorer=Indel.distance, score_cutoff=2,
                limit=None,
            ):
                budget = typo_budget(len(word))
                if distance <= budget and abs(len(word) - len(token)) <= budget:
                    found.add(word)
        found.update(self._sounds_like(token))
        if is_devanagari(token[0]):
            latin = romanize(token)
            if latin in self.vocabulary:
                found.add(latin)  # "आ" is "aa", as short as it is ("saas nahi aa")
            if self.loans:
                found.update(self.loans.get(sound_key(token) or "", ()))  # "ब्लीडिंग"
        return frozenset(found)

    def _near(self, length: int) -> tuple[str, ...]:
        """The fuzzy-matchable words of `length` ± 2 letters (built once per length)."""
        near = self._near_cache.get(length)
        if near is None:
            near = self._near_cache[length] = tuple(
                word for size in range(length - 2, length + 3)
                for word in self.by_length.get(size, ()))
        return near

    def _near_sounds(self, length: int) -> tuple[str, ...]:
        near = self._near_cache.get(-length)
        if near is None:
            near = self._near_cache[-length] = tuple(
                key for size in (length - 1, length, length + 1)
                for key in self.sounds_by_length.get(size, ()))
        return near

    def _sounds_like(self, token: str) -> set[str]:
        """Hindi vocabulary words that sound like `token` (see the module doc)."""
        sound = sound_key(token) if self.sounds else None
        if sound is None:
            return set()
        found: set[str] = set()
        if is_devanagari(token[0]) and len(sound) >= MIN_KEY + 1 and "a" in sound[1:]:
            # A virama left out: "दरद" for "दर्द", "बरदाश्त" for "बर्दाश्त" (an "a" more
            # between the same consonants; first and last letters alike).
            for word in self.skeletons.get(_skeleton(sound), ()):
                other = sound_key(word) or ""
                if len(other) > MIN_KEY and _unschwa(other) == _unschwa(sound) and (
                        other[0] == sound[0] and other[-1] == sound[-1]):
                    found.add(word)
        if not is_devanagari(token[0]) and len(token) >= 3:
            # Texting drops vowels: "bdh", "drd", "nhi", "rha" for "badh", "dard", "nahi",
            # "raha": a word with fewer vowels than one with the same consonants.
            # Same first and last letter too: "put" is no "pitti", "fish" no "phunsi"; and
            # the vowels it kept, in order: texting drops vowels, it does not change them
            # ("din", day, is no "dhuan", smoke).
            vowels = _vowels(sound)
            for word in self.skeletons.get(_skeleton(sound), ()):
                other = sound_key(word) or ""
                if _vowels(other) > vowels and other[0] == sound[0] and (
                        other[-1] == sound[-1]) and _kept_vowels(sound, other):
                    found.add(word)
        if len(sound) >= MIN_ENDING_KEY and sound[-1] in VOWELS:
            found.update(self.endings.get(sound[:-1], ()))
        if len(sound) < MIN_KEY:
            return found
        keys = [sound]
        if len(sound) >= MIN_NEAR_KEY:
            bucket = self._near_sounds(len(sound))
            if bucket:
                keys.extend(key for key, _, _ in process.extract(
                    sound, bucket, scorer=Indel.distance, score_cutoff=1, limit=None
                ) if key[0] == sound[0])
        for key in keys:
            for word in self.sounds.get(key, ()):
                # A short key says little ("pas" is "पस", pus; "paas" is near): then both
                # words must have four letters or more and the same consonants, only the
                # vowels may differ ("khun", "khoon", "खून"; not "pass", not "पास").
                if len(key) >= MIN_NEAR_KEY - 1 or _short_alike(token, word):
                    found.add(word)
        return found

    def find(self, reading: Reading, lookup: Lookup | None = None) -> list[PhraseMatch]:
        """Every phrase in `reading`, in order of where it starts. `lookup`: a word's
        variants from a shared lexicon (Lexicon.lookup), so that several indexes read a
        message with one look-up per word; else this index's own."""
        return list(self.finds(reading, lookup))

    def finds(self, reading: Reading, lookup: Lookup | None = None) -> Iterator[PhraseMatch]:
        """`find` as it goes: a reader that has seen enough (triage, once a red flag is
        explained) stops, and the rest of a long message is not looked through."""
        words = reading.words
        if lookup is None:
            lookup = Lexicon(self).lookup()
        # The phrases each distinct word may start (a long message repeats its words),
        # among those whose every word the message has somewhere.
        variants, present, at = lookup.message(reading)
        starting: dict[str, tuple[_Phrase, ...]] = {}
        by_first = self.by_first
        for token, found in variants.items():
            phrases = tuple(phrase for first in found if first in by_first
                            for phrase in by_first[first] if present.issuperset(phrase.words))
            if phrases:
                # Phrases met at one word come in the order of a set of its spellings, which
                # follows the process's string hash seed: in a fixed order instead, the rule
                # that names a case and the words on its card are the same in every run.
                starting[token] = tuple(sorted(phrases, key=lambda p: (p.phrase, p.key)))
        if not starting:
            return
        sentences = reading.sentence_at or tuple(map(reading.sentence_of, range(len(words))))
        for start in itertools.compress(range(len(words)), map(starting.__contains__, words)):
            for phrase in starting[words[start]]:
                used = [start] if len(phrase.words) == 1 else _rest(
                    words, at, sentences, phrase.words, start)
                if used is not None:
                    yield PhraseMatch(key=phrase.key, phrase=phrase.phrase, start=start,
                                      end=max(used) + 1, used=frozenset(used))


def _rest(
    words: Sequence[str],
    at: Sequence[frozenset[str]],
    sentences: Sequence[int],
    phrase: tuple[str, ...],
    start: int,
) -> list[int] | None:
    """The positions of `phrase`'s later words after its first at `start`: in order, in the
    same sentence, at most MAX_GAP words apart and MAX_EXTRA in all, no blocker between."""
    used = [start]
    sentence = sentences[start]
    extra = 0
    count = len(words)
    for word in phrase[1:]:
        position = used[-1] + 1
        limit = min(count, position + MAX_GAP + 1)
        while True:
            if position >= limit or sentences[position] != sentence:
                return None
            if word in at[position]:
                break
            if words[position] in BLOCKERS:
                return None
            position += 1
            extra += 1
            if extra > MAX_EXTRA:
                return None
        used.append(position)
    return used


class Lookup:
    """One message's reader of a Lexicon: a word's variants (remembered across messages),
    and a whole reading's, worked out once for all the indexes that read it (triage reads a
    message with five)."""

    def __init__(self, remembered: dict[str, frozenset[str]],
                 variants: Callable[[str], frozenset[str]]) -> None:
        self._remembered = remembered
        self._variants = variants
        self._reading: Reading | None = None
        self._message: tuple[dict[str, frozenset[str]], frozenset[str],
                             list[frozenset[str]]] | None = None

    def __call__(self, token: str) -> frozenset[str]:
        found = self._remembered.get(token)
        if found is None:
            found = self._remembered[token] = self._variants(token)
        return found

    def message(self, reading: Reading) -> tuple[
            dict[str, frozenset[str]], frozenset[str], list[frozenset[str]]]:
        """Each distinct word's variants, all of them together, and each position's."""
        if self._reading is not reading or self._message is None:
            variants = {token: self(token) for token in set(reading.words)}
            present: set[str] = set()
            for found in variants.values():
                present.update(found)
            self._reading = reading
            self._message = (variants, frozenset(present),
                             list(map(variants.__getitem__, reading.words)))
        return self._message


class Lexicon:
    """The words of several indexes in one (PhraseIndex.build over all their phrases):
    `lookup()` gives a message's reader, which finds each word's variants once. What it
    found is kept for later messages too (patients use the same words again), up to
    MAX_REMEMBERED words, then forgotten all at once."""

    MAX_REMEMBERED = 50_000

    def __init__(self, index: PhraseIndex) -> None:
        self.index = index
        self.remembered: dict[str, frozenset[str]] = {}

    def lookup(self) -> Lookup:
        if len(self.remembered) > self.MAX_REMEMBERED:
            self.remembered.clear()
        return Lookup(self.remembered, self.index.variants)


@dataclass(frozen=True, kw_only=True)
class Together:
    """A concept said in the patient's own words: one word (or phrase) of each group in one
    sentence, in any order ("white stuff" + "seeping")."""

    key: str
    groups: tuple[tuple[tuple[str, bool], ...], ...]  # (word, may take Hindi endings)


@dataclass(frozen=True, kw_only=True)
class TogetherIndex:
    """`Together` concepts, found through one PhraseIndex of all their groups' words."""

    parts: PhraseIndex
    concepts: tuple[Together, ...]

    @classmethod
    def build(cls, concepts: Iterable[Together], ignore: Iterable[str] = ()) -> TogetherIndex:
        listed = tuple(concepts)
        return cls(
            parts=PhraseIndex.build(
                ((word, f"{number}/{group}", hindi)
                 for number, concept in enumerate(listed)
                 for group, words in enumerate(concept.groups) for word, hindi in words),
                ignore,
            ),
            concepts=listed,
        )

    def find(self, reading: Reading, lookup: Lookup | None = None) -> list[PhraseMatch]:
        """Every concept whose groups all stand within TOGETHER_SPAN words of one another
        in one sentence, with no blocking word (a negation, "little") between them; for each
        occurrence of its first group, the nearest words of the others."""
        if not self.concepts:
            return []
        found: defaultdict[int, defaultdict[int, list[PhraseMatch]]] = defaultdict(
            lambda: defaultdict(list))
        for match in self.parts.finds(reading, lookup):
            number, group = _part_of(match.key)
            found[number][group].append(match)
        out: list[PhraseMatch] = []
        for number, groups in found.items():
            concept = self.concepts[number]
            if len(groups) < len(concept.groups):
                continue
            for anchor in groups[0]:
                chosen = [anchor]
                for group in range(1, len(concept.groups)):
                    near = _nearest(reading, anchor, groups[group], chosen)
                    if near is None:
                        break
                    chosen.append(near)
                else:
                    used = frozenset(p for part in chosen for p in part.used)
                    start, end = min(used), max(used) + 1
                    between = set(range(start, end)) - used
                    if end - start > TOGETHER_SPAN + 2 or any(
                        reading.words[p] in NEGATIONS for p in between
                    ):
                        continue
                    phrase = " + ".join(part.phrase for part in sorted(chosen,
                                                                      key=lambda m: m.start))
                    out.append(PhraseMatch(key=concept.key, phrase=phrase, start=start,
                                           end=end, used=used))
        return sorted(out, key=lambda match: match.start)


@functools.cache
def _part_of(key: str) -> tuple[int, int]:
    """A TogetherIndex part's key, "concept/group", as numbers (a long message has many)."""
    number, group = key.split("/")
    return int(number), int(group)


def _nearest(reading: Reading, anchor: PhraseMatch, candidates: list[PhraseMatch],
             taken: list[PhraseMatch]) -> PhraseMatch | None:
    """The candidate in the anchor's sentence closest to it, sharing no word with `taken`
    (`candidates` are in order of where they start: a look either side of the anchor)."""
    sentence = reading.sentence_of(anchor.start)
    used = {p for part in taken for p in part.used}
    middle = bisect.bisect_left([c.start for c in candidates], anchor.start)
    best: PhraseMatch | None = None
    for side in (range(middle - 1, -1, -1), range(middle, len(candidates))):
        for index in side:
            candidate = candidates[index]
            distance = abs(candidate.start - anchor.start)
            if distance > TOGETHER_SPAN:
                break
            if candidate.used & used or reading.sentence_of(candidate.start) != sentence:
                continue
            if best is None or distance < abs(best.start - anchor.start):
                best = candidate
            break
    return best
