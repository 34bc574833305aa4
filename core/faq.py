"""Typo-tolerant FAQ matching: which clinic FAQ entry a patient's free text is asking about."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Indel

from core.content import ANY_LANGUAGE, FaqEntry
from core.faq_words import generic_words
from core.text_match import normalize

# Scoring. A keyword word typed with `d` typos scores 100 - EDIT_PENALTY * d. We count
# typos with optimal string alignment (Levenshtein plus adjacent transposition), the
# measure spell checkers use, rather than `fuzz.ratio`/`WRatio`: ratio normalises by the
# summed lengths, so it under-rates a plain typo in a short word ("mekup"/"makeup" = 73)
# and over-rates a different, shorter word ("make"/"makeup" = 80, "later"/"water" = 80).
# An edit budget by keyword length (like Elasticsearch's `fuzziness: AUTO`) says what we
# mean: short words must be exact, longer words may carry one or two slips.
EDIT_PENALTY = 8

# Best entry at or above this is answered directly, if it is clearly ahead (below).
# Every accepted typo scores >= 84 (two edits), so typed keywords, even misspelt, are
# confident.
CONFIDENT_SCORE = 75.0
# Between this and CONFIDENT_SCORE we only offer "did you mean" buttons: this band is
# reached by half of a two-word keyword ("cold" for "cold sore"/"cold compress").
SUGGEST_SCORE = 50.0
# A runner-up this close to the best (and not just a part of what the best matched) means
# the text is ambiguous: we ask with "did you mean" buttons instead of answering.
AMBIGUOUS_MARGIN = 10.0
# Words that name no topic ("how long", "last", "next session", "normal") weigh less than
# the word that does ("swelling", "aspirin", "makeup"): a keyword made only of them scores
# at most GENERIC_PHRASE_SCORE typed as a phrase ("how long does it last"), and
# GENERIC_WORD_SCORE alone or in part ("last"), a suggestion at best.
GENERIC_PHRASE_SCORE = 80.0
GENERIC_WORD_SCORE = 55.0
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
# ... except two neighbouring letters typed the wrong way round in a 4-letter word
# ("wnie", "sapm"): a slip of the fingers, not another word. The first letter stays.
SWAP_LENGTH = 4


def _adjacent_swap(word: str, keyword: str) -> bool:
    return len(word) == len(keyword) and keyword in _swaps(word)


def typo_distance(word: str, keyword: str) -> int | None:
    """Typos (OSA edits) between a typed word and a keyword word, or None if too far.

    5-letter keywords: one missing, extra or swapped letter ("suana"), not a replaced one
    ("later" is not "water"). Longer: two edits ("mekup"), but not two replaced letters
    in a word under 9 ("morning" is not "burning"), which is what the Indel cap checks.
    Every typo needs the first letter right: people rarely mistype it, and without this
    "sister" would be a typo of "blister" (it also lets the index look only at keywords
    with the same first letter).
    """
    if word[:1] != keyword[:1]:
        return None
    if min(len(word), len(keyword)) < MIN_FUZZY_LENGTH:
        if word == keyword:
            return 0
        return 1 if len(keyword) == SWAP_LENGTH and _adjacent_swap(word, keyword) else None
    distance = OSA.distance(word, keyword, score_cutoff=MAX_EDITS)
    if distance > MAX_EDITS:
        return None
    if len(keyword) == MIN_FUZZY_LENGTH:
        swapped = len(word) == len(keyword) and sorted(word) == sorted(keyword)
        return distance if distance <= 1 and (len(word) != len(keyword) or swapped) else None
    indel_cap = 3 if len(keyword) < 9 else 4
    return distance if Indel.distance(word, keyword) <= indel_cap else None


@dataclass(frozen=True, kw_only=True)
class FaqHit:
    """One FAQ entry the text points at, scored 0-100."""

    entry_id: str
    score: float


@dataclass(frozen=True, kw_only=True)
class FaqMatch:
    """The answer (or None) and "did you mean" candidates.

    `best` is set only when one entry is confident and clearly ahead; otherwise the
    candidates are in `alternatives` (best first) and the patient is asked.
    """

    best: FaqHit | None
    alternatives: tuple[FaqHit, ...] = ()


NO_MATCH = FaqMatch(best=None)


# (score, specificity, query words covered): specificity is the length of the keyword
# that matched ("puffy eyes" beats "puffy" on equal scores); the covered words tell
# whether a runner-up found anything the best did not.
_Rank = tuple[float, int, frozenset[int]]
_TokenScores = dict[str, tuple[float, frozenset[int]]]
_NONE: frozenset[int] = frozenset()
_Typos = dict[str, list[tuple[str, int]]]


@dataclass(frozen=True, kw_only=True)
class _Keyword:
    entry: int
    tokens: tuple[str, ...]
    joined: str  # "make up" -> "makeup", so either spelling meets the other
    phrase: str  # "make up": the words as typed together
    partial: bool  # whether some of its words alone earn a share of the score
    topical: bool  # whether one of its words names a topic (not only generic words)


@dataclass(frozen=True, kw_only=True)
class _LanguageIndex:
    keywords: tuple[_Keyword, ...]
    keywords_by_token: dict[str, tuple[int, ...]]
    questions: tuple[str, ...]  # normalised, one per entry (same order as entries)

    @classmethod
    def build(
        cls, entries: Sequence[FaqEntry], language: str, generic: frozenset[str]
    ) -> _LanguageIndex:
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
                            topical=any(token not in generic for token in tokens),
                        )
                    )
        spread: defaultdict[str, int] = defaultdict(int)
        for keyword in keywords:
            for token in set(keyword.tokens):
                spread[token] += 1
        by_token: defaultdict[str, list[int]] = defaultdict(list)
        for position, keyword in enumerate(keywords):
            for token in {*keyword.tokens, keyword.joined}:
                by_token.setdefault(token, [])  # every token is scored ...
            # ... but a phrase that needs all its words ("how is it done") is only looked
            # at when its rarest word is there: "is" alone need not visit every such phrase.
            if keyword.partial or len(keyword.tokens) == 1:
                lookup = {*keyword.tokens, keyword.joined}
            else:
                lookup = {min(keyword.tokens, key=lambda t: spread[t]), keyword.joined}
            for token in lookup:
                by_token[token].append(position)
        questions = tuple(normalize(entry.question.get(language, language)) for entry in entries)
        return cls(
            keywords=tuple(keywords),
            keywords_by_token={token: tuple(found) for token, found in by_token.items()},
            questions=questions,
        )

    def token_scores(
        self, query_words: Sequence[str], where: dict[str, frozenset[int]], typos: _Typos
    ) -> _TokenScores:
        """Best score of each keyword token some query word (or word pair) meets, and which
        query words met it. `typos`: each query word's near keyword tokens (all languages)."""
        scores: _TokenScores = {}
        by_token = self.keywords_by_token
        # "sun screen" typed apart meets "sunscreen", exactly only: fuzzy pairs of
        # everyday words ("make an" ~ "makeup") would invent matches.
        for index, (first, second) in enumerate(pairwise(query_words)):
            if first + second in by_token:
                scores[first + second] = (100.0, frozenset((index, index + 1)))
        for word, at in where.items():
            if word in by_token:
                scores[word] = (100.0, at | scores.get(word, (0.0, _NONE))[1])
                continue
            for token, distance in typos.get(word, ()):
                if token in by_token:
                    score = 100.0 - EDIT_PENALTY * distance
                    if score > scores.get(token, (0.0, at))[0]:
                        scores[token] = (score, at)
        return scores

    def _keyword_score(self, keyword: _Keyword, tokens: _TokenScores, padded: str) -> float:
        joined = tokens[keyword.joined][0] if keyword.joined in tokens else 0.0
        # Each word of a phrase counts for its share, so half of "cold sore" is a
        # suggestion. Not so for phrases with a short word ("make up", "vitamin e"):
        # those are spellings of one thing, and "make" alone is everyday chatter.
        if len(keyword.tokens) > 1 and (
            keyword.partial or all(t in tokens for t in keyword.tokens)
        ):
            parts = [tokens[t][0] if t in tokens else 0.0 for t in keyword.tokens]
            together = all(parts)
            share = sum(parts) / len(parts)
            adjacent = f" {keyword.phrase} " in padded
            if together and not adjacent:
                share -= SCATTERED_PENALTY  # its words are there, but not together
            joined = max(joined, share)
        if not keyword.topical:
            whole = len(keyword.tokens) > 1 and f" {keyword.phrase} " in padded
            joined = min(joined, GENERIC_PHRASE_SCORE if whole else GENERIC_WORD_SCORE)
        return joined

    def entry_scores(
        self, normalised: str, query_words: Sequence[str], where: dict[str, frozenset[int]],
        typos: _Typos,
    ) -> dict[int, _Rank]:
        """Entry -> its best keyword's rank (score, specificity, query words covered)."""
        tokens = self.token_scores(query_words, where, typos)
        padded = f" {normalised} "
        best: dict[int, tuple[float, int, int]] = {}
        strong: defaultdict[int, set[str]] = defaultdict(set)
        positions = {p for token in tokens for p in self.keywords_by_token[token]}
        for position in positions:
            keyword = self.keywords[position]
            score = self._keyword_score(keyword, tokens, padded)
            if score >= CONFIDENT_SCORE:
                strong[keyword.entry].add(keyword.joined)
            current = best.get(keyword.entry)
            if current is None or (score, len(keyword.joined)) > current[:2]:
                best[keyword.entry] = (score, len(keyword.joined), position)
        ranks: dict[int, _Rank] = {}
        for entry, (score, specificity, position) in best.items():
            bonus = EXTRA_KEYWORD_BONUS * max(0, len(strong[entry]) - 1)
            keyword = self.keywords[position]
            covers = frozenset().union(*(
                tokens[t][1] for t in (*keyword.tokens, keyword.joined) if t in tokens
            ))
            ranks[entry] = (min(100.0, score + bonus), specificity, covers)
        retyped = process.extractOne(
            normalised, self.questions, scorer=fuzz.ratio, score_cutoff=QUESTION_SCORE
        )
        if retyped is not None:
            _, score, entry = retyped
            rank = (float(score), len(normalised), frozenset(range(len(query_words))))
            if rank[:2] > ranks.get(entry, _NOTHING)[:2]:
                ranks[entry] = rank
        return ranks


_NOTHING: _Rank = (0.0, 0, _NONE)


def _swaps(word: str) -> Iterator[str]:
    """`word` with two neighbouring letters exchanged, the first letter kept."""
    for i in range(1, len(word) - 1):
        yield word[:i] + word[i + 1] + word[i] + word[i + 2 :]


@dataclass(frozen=True, kw_only=True)
class FaqIndex:
    """Precomputed FAQ keywords per language; build once at start, match per message."""

    entry_ids: tuple[str, ...]
    languages: tuple[str, ...]
    by_language: dict[str, _LanguageIndex]
    scopes: tuple[FaqEntry, ...]  # for `applies_to` (protocol scope)
    vocabulary: frozenset[str]  # keyword tokens of every language
    # (first letter, word length) -> keyword tokens with that first letter, one letter
    # shorter, as long, or one longer: a typo worth forgiving rarely drops or adds two
    # letters ("make" is not "makeup")
    near: dict[tuple[str, int], tuple[str, ...]]

    @classmethod
    def build(cls, entries: Iterable[FaqEntry], languages: Iterable[str]) -> FaqIndex:
        entry_list = tuple(entries)
        language_list = tuple(dict.fromkeys(languages))
        generic = generic_words(entry_list)
        by_language = {
            lang: _LanguageIndex.build(entry_list, lang, generic) for lang in language_list
        }
        vocabulary = frozenset(t for index in by_language.values() for t in index.keywords_by_token)
        by_length: defaultdict[tuple[str, int], list[str]] = defaultdict(list)
        for token in vocabulary:
            by_length[(token[0], len(token))].append(token)
        near = {
            (first, length): tuple(
                t for n in (length - 1, length, length + 1) for t in by_length.get((first, n), ())
            )
            for first, size in by_length
            for length in (size - 1, size, size + 1)
            if length >= MIN_FUZZY_LENGTH
        }
        return cls(
            entry_ids=tuple(entry.id for entry in entry_list),
            languages=language_list,
            by_language=by_language,
            scopes=entry_list,
            vocabulary=vocabulary,
            near={key: found for key, found in near.items() if found},
        )

    def offers(self, entry_id: str, protocols: Collection[str] | None) -> bool:
        """Whether `entry_id` is an entry a patient of `protocols` may get."""
        return any(entry.id == entry_id and entry.applies_to(protocols) for entry in self.scopes)

    def _typos(self, words: Iterable[str]) -> _Typos:
        """The keyword tokens (of any language) each word may be a typo of, with the typos
        counted. A word that is itself a keyword token is not a typo of another one."""
        found: _Typos = {}
        for word in words:
            if word in self.vocabulary:
                continue
            if len(word) == SWAP_LENGTH:
                found[word] = [(s, 1) for s in _swaps(word) if s in self.vocabulary]
                continue
            bucket = self.near.get((word[0], len(word)))
            if bucket is None:
                continue
            # One C-level scan per word; the finer rules run on its few results.
            near = []
            for token, _, _ in process.extract(
                word, bucket, scorer=OSA.distance, score_cutoff=MAX_EDITS, limit=None
            ):
                distance = typo_distance(word, token)
                if distance is not None:
                    near.append((token, distance))
            found[word] = near
        return found

    def match(
        self, text: str, language: str, *, limit: int = 3,
        protocols: Collection[str] | None = None,
    ) -> FaqMatch:
        """The entry `text` asks about, searched in every language (the patient's first:
        on equal scores it wins). `protocols`: the patient's; entries scoped to others are
        left out."""
        normalised = normalize(text[:MAX_INPUT_CHARS])
        query_words = normalised.split()[:MAX_WORDS]
        if not query_words or limit < 1:
            return NO_MATCH
        where: dict[str, set[int]] = {}
        for index, word in enumerate(query_words):
            where.setdefault(word, set()).add(index)
        frozen = {word: frozenset(at) for word, at in where.items()}
        typos = self._typos(frozen)
        order = [language] if language in self.by_language else []
        order += [lang for lang in self.languages if lang != language]
        scores: dict[int, _Rank] = {}
        for lang in order:
            for entry, rank in self.by_language[lang].entry_scores(
                normalised, query_words, frozen, typos
            ).items():
                if rank[:2] > scores.get(entry, _NOTHING)[:2]:
                    scores[entry] = rank
        if protocols is not None:
            scores = {e: r for e, r in scores.items() if self.scopes[e].applies_to(protocols)}
        return self._decide(scores, limit)

    def _decide(self, scores: dict[int, _Rank], limit: int) -> FaqMatch:
        # Remaining ties go to the entry listed first in the FAQ file: the clinic's order.
        ranked = sorted(
            ((rank, entry) for entry, rank in scores.items() if rank[0] >= SUGGEST_SCORE),
            key=lambda item: (-item[0][0], -item[0][1], item[1]),
        )
        hits = [FaqHit(entry_id=self.entry_ids[e], score=round(r[0], 1)) for r, e in ranked]
        if not hits:
            return NO_MATCH
        top, _ = ranked[0]
        rivals = [
            hit for (rank, _), hit in zip(ranked[1:], hits[1:], strict=True)
            if top[0] - rank[0] < AMBIGUOUS_MARGIN and not rank[2] <= top[2]
        ]
        if top[0] < CONFIDENT_SCORE or rivals:
            return FaqMatch(best=None, alternatives=tuple(hits[:limit]))
        return FaqMatch(best=hits[0])
