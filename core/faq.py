"""Typo-tolerant FAQ matching: which clinic FAQ entry a patient's free text is asking about."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Indel

from core.content import ANY_LANGUAGE, FaqEntry
from core.text_match import normalize

# Scoring. A keyword word typed with `d` typos scores 100 - EDIT_PENALTY * d. We count
# typos with optimal string alignment (Levenshtein plus adjacent transposition), the
# measure spell checkers use, rather than `fuzz.ratio`/`WRatio`: ratio normalises by the
# summed lengths, so it under-rates a plain typo in a short word ("mekup"/"makeup" = 73)
# and over-rates a different, shorter word ("make"/"makeup" = 80, "later"/"water" = 80).
# An edit budget by keyword length (like Elasticsearch's `fuzziness: AUTO`) says what we
# mean: short words must be exact, longer words may carry one or two slips.
EDIT_PENALTY = 8

# Best entry at or above this is answered directly. Every accepted typo scores >= 84
# (two edits), so typed keywords, even misspelt, are confident.
CONFIDENT_SCORE = 75.0
# Between this and CONFIDENT_SCORE we only offer "did you mean" buttons: this band is
# reached by half of a two-word keyword ("cold" for "cold sore"/"cold compress").
SUGGEST_SCORE = 50.0
# A runner-up this close to a confident best is offered as "did you mean" as well.
CLOSE_MARGIN = 8.0
# Each extra keyword of the same entry found in the text adds this (capped at 100):
# "sun" and "sunscreen" together point harder at the sun entry than either alone.
EXTRA_KEYWORD_BONUS = 3.0
# A multi-word keyword whose words all appear, but not side by side ("before ... session")
# is weaker evidence than one typed as a phrase ("fish oil").
SCATTERED_PENALTY = 5.0
# Words of a multi-word keyword earn partial credit only when all are at least this long.
MIN_PARTIAL_WORD = 4
# Text almost equal to a whole FAQ question (the patient retyped a /faq button) counts
# even when it shares few keywords; below this, question wording is too generic to trust.
QUESTION_SCORE = 88.0

# Patients' questions are short; a 10,000-character paste is matched on its start only,
# which keeps matching fast whatever arrives. (Triage, unlike this, reads everything.)
MAX_INPUT_CHARS = 600
MAX_WORDS = 80


# Words and keywords shorter than this match only exactly: one slip in a short word is
# usually another word ("least"/"last", "heart"/"heat", "spot"/"sport", "main"/"pain").
MIN_FUZZY_LENGTH = 5
MAX_EDITS = 2


def typo_distance(word: str, keyword: str) -> int | None:
    """Typos (OSA edits) between a typed word and a keyword word, or None if too far.

    5-letter keywords: one missing, extra or swapped letter ("suana"), not a replaced one
    ("later" is not "water"). Longer: two edits ("mekup"), but not two replaced letters
    in a word under 9 ("morning" is not "burning"), which is what the Indel cap checks.
    Two edits also need the first letter right: people rarely mistype it, and without
    this "sister" would be a typo of "blister".
    """
    if min(len(word), len(keyword)) < MIN_FUZZY_LENGTH:
        return 0 if word == keyword else None
    distance = OSA.distance(word, keyword, score_cutoff=MAX_EDITS)
    if distance > MAX_EDITS:
        return None
    if len(keyword) == MIN_FUZZY_LENGTH:
        swapped = len(word) == len(keyword) and sorted(word) == sorted(keyword)
        return distance if distance <= 1 and (len(word) != len(keyword) or swapped) else None
    if distance == MAX_EDITS and word[0] != keyword[0]:
        return None
    indel_cap = 3 if len(keyword) < 9 else 4
    return distance if Indel.distance(word, keyword) <= indel_cap else None


@dataclass(frozen=True, kw_only=True)
class FaqHit:
    """One FAQ entry the text points at, scored 0-100."""

    entry_id: str
    score: float


@dataclass(frozen=True, kw_only=True)
class FaqMatch:
    """The confident answer (or None) and "did you mean" candidates."""

    best: FaqHit | None
    alternatives: tuple[FaqHit, ...] = ()


NO_MATCH = FaqMatch(best=None)

_Rank = tuple[float, int]  # (score, specificity)
_NOTHING: _Rank = (0.0, 0)


@dataclass(frozen=True, kw_only=True)
class _Keyword:
    entry: int
    tokens: tuple[str, ...]
    joined: str  # "make up" -> "makeup", so either spelling meets the other
    phrase: str  # "make up": the words as typed together
    partial: bool  # whether some of its words alone earn a share of the score


@dataclass(frozen=True, kw_only=True)
class _LanguageIndex:
    keywords: tuple[_Keyword, ...]
    keywords_by_token: dict[str, tuple[int, ...]]
    # word length -> keyword tokens one letter shorter, as long, or one longer: a typo
    # worth forgiving rarely drops or adds two letters ("make" is not "makeup")
    tokens_near_length: dict[int, tuple[str, ...]]
    questions: tuple[str, ...]  # normalised, one per entry (same order as entries)

    @classmethod
    def build(cls, entries: Sequence[FaqEntry], language: str) -> _LanguageIndex:
        keywords: list[_Keyword] = []
        seen: set[tuple[int, tuple[str, ...]]] = set()
        for number, entry in enumerate(entries):
            phrases = (*entry.keywords.get(language, ()), *entry.keywords.get(ANY_LANGUAGE, ()))
            for phrase in phrases:
                tokens = tuple(normalize(phrase).split())
                if tokens and (number, tokens) not in seen:
                    seen.add((number, tokens))
                    keywords.append(
                        _Keyword(
                            entry=number,
                            tokens=tokens,
                            joined="".join(tokens),
                            phrase=" ".join(tokens),
                            partial=min(map(len, tokens)) >= MIN_PARTIAL_WORD,
                        )
                    )
        by_token: defaultdict[str, list[int]] = defaultdict(list)
        for position, keyword in enumerate(keywords):
            for token in {*keyword.tokens, keyword.joined}:
                by_token[token].append(position)
        by_length: defaultdict[int, list[str]] = defaultdict(list)
        for token in by_token:
            by_length[len(token)].append(token)
        questions = tuple(normalize(entry.question.get(language, language)) for entry in entries)
        return cls(
            keywords=tuple(keywords),
            keywords_by_token={token: tuple(found) for token, found in by_token.items()},
            tokens_near_length={
                length: tuple(
                    t for near in (length - 1, length, length + 1) for t in by_length[near]
                )
                for length in range(MIN_FUZZY_LENGTH, max(by_length, default=0) + 2)
            },
            questions=questions,
        )

    def token_scores(self, query_words: Sequence[str]) -> dict[str, float]:
        """Best score of each keyword token that some query word (or word pair) meets."""
        scores: dict[str, float] = {}
        # "sun screen" typed apart meets "sunscreen", exactly only: fuzzy pairs of
        # everyday words ("make an" ~ "makeup") would invent matches.
        for first, second in pairwise(query_words):
            if first + second in self.keywords_by_token:
                scores[first + second] = 100.0
        for word in dict.fromkeys(query_words):
            if word in self.keywords_by_token:
                scores[word] = 100.0
                continue  # a word that is a keyword is not a typo of another one
            if len(word) < MIN_FUZZY_LENGTH:
                continue
            bucket = self.tokens_near_length.get(len(word))
            if not bucket:
                continue
            # One C-level scan per word; the finer rules run on its few results.
            for token, _, _ in process.extract(
                word, bucket, scorer=OSA.distance, score_cutoff=MAX_EDITS, limit=None
            ):
                distance = typo_distance(word, token)
                if distance is not None:
                    score = 100.0 - EDIT_PENALTY * distance
                    scores[token] = max(scores.get(token, 0.0), score)
        return scores

    def entry_scores(self, normalised: str, query_words: Sequence[str]) -> dict[int, _Rank]:
        """Entry -> (score, specificity): the longest keyword that matched breaks ties."""
        token_scores = self.token_scores(query_words)
        padded = f" {normalised} "
        # entry -> keyword spelling without spaces -> score ("make up" and "makeup" are one)
        per_entry: defaultdict[int, dict[str, float]] = defaultdict(dict)
        positions = {p for token in token_scores for p in self.keywords_by_token[token]}
        for position in positions:
            keyword = self.keywords[position]
            joined = token_scores.get(keyword.joined, 0.0)
            # Each word of a phrase counts for its share, so half of "cold sore" is a
            # suggestion. Not so for phrases with a short word ("make up", "vitamin e"):
            # those are spellings of one thing, and "make" alone is everyday chatter.
            parts = [token_scores.get(token, 0.0) for token in keyword.tokens]
            if keyword.partial or all(parts):
                share = sum(parts) / len(parts)
                if all(parts) and f" {keyword.phrase} " not in padded:
                    share -= SCATTERED_PENALTY  # its words are there, but not together
                joined = max(joined, share)
            score = joined
            found = per_entry[keyword.entry]
            found[keyword.joined] = max(found.get(keyword.joined, 0.0), score)
        scores: dict[int, _Rank] = {}
        for entry, found in per_entry.items():
            strong = sum(1 for score in found.values() if score >= CONFIDENT_SCORE)
            bonus = EXTRA_KEYWORD_BONUS * max(0, strong - 1)
            top = max(found.values())
            # "puffy eyes" is more specific than "puffy": equal scores go to the longer.
            longest = max(len(joined) for joined, score in found.items() if score == top)
            scores[entry] = (min(100.0, top + bonus), longest)
        retyped = process.extractOne(
            normalised, self.questions, scorer=fuzz.ratio, score_cutoff=QUESTION_SCORE
        )
        if retyped is not None:
            _, score, entry = retyped
            scores[entry] = max(scores.get(entry, _NOTHING), (float(score), len(normalised)))
        return scores


@dataclass(frozen=True, kw_only=True)
class FaqIndex:
    """Precomputed FAQ keywords per language; build once at start, match per message."""

    entry_ids: tuple[str, ...]
    languages: tuple[str, ...]
    by_language: dict[str, _LanguageIndex]

    @classmethod
    def build(cls, entries: Iterable[FaqEntry], languages: Iterable[str]) -> FaqIndex:
        entry_list = tuple(entries)
        language_list = tuple(dict.fromkeys(languages))
        return cls(
            entry_ids=tuple(entry.id for entry in entry_list),
            languages=language_list,
            by_language={lang: _LanguageIndex.build(entry_list, lang) for lang in language_list},
        )

    def match(self, text: str, language: str, *, limit: int = 3) -> FaqMatch:
        """The entry `text` asks about: the patient's language first, then the others."""
        normalised = normalize(text[:MAX_INPUT_CHARS])
        query_words = normalised.split()[:MAX_WORDS]
        if not query_words or limit < 1:
            return NO_MATCH
        order = [language] if language in self.by_language else []
        order += [lang for lang in self.languages if lang != language]
        scores: dict[int, _Rank] = {}
        for position, lang in enumerate(order):
            if position == 1 and max(scores.values(), default=_NOTHING)[0] >= CONFIDENT_SCORE:
                break  # the patient's own language answered; other scripts cannot do better
            for entry, score in (
                self.by_language[lang].entry_scores(normalised, query_words).items()
            ):
                scores[entry] = max(scores.get(entry, _NOTHING), score)
        return self._decide(scores, limit)

    def _decide(self, scores: dict[int, _Rank], limit: int) -> FaqMatch:
        # Remaining ties go to the entry listed first in the FAQ file: the clinic's order.
        ranked = heapq.nsmallest(
            limit,
            (
                (-score, -specificity, entry)
                for entry, (score, specificity) in scores.items()
                if score >= SUGGEST_SCORE
            ),
        )
        hits = [FaqHit(entry_id=self.entry_ids[e], score=round(-s, 1)) for s, _, e in ranked]
        if not hits:
            return NO_MATCH
        top = hits[0]
        if top.score < CONFIDENT_SCORE:
            return FaqMatch(best=None, alternatives=tuple(hits[:limit]))
        close = [hit for hit in hits[1:] if top.score - hit.score <= CLOSE_MARGIN]
        return FaqMatch(best=top, alternatives=tuple(close[: limit - 1]))
