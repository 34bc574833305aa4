"""Whose symptom, and is it there: the words around a red-flag phrase, in English, Hindi
and romanised Hindi.

`judge` looks at the clause a phrase stands in and says whether the patient reports it
(`Stance.OWN`), denies it ("no fever", "bukhar nahi hai", "बुखार नहीं"), asks about it
in general ("what are the signs of infection?"), speaks of someone else ("my friend had
fever"), or leaves doubt (a hedge, a question, a bare "no" in the next clause). Triage
turns that into clear, doubtful or not the patient's symptom. The word lists are the
product's language knowledge, not clinic content: a clinic edits phrases, not grammar.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Generic, TypeVar

from core.language import Reading

T = TypeVar("T")


# Hindi's "not" as people type it ("nahi", "nhi", "nai", "ni", "नहीं", "नही"): a phrase or a
# cue listed with one of these matches the others (a short word has no typo tolerance).
HINDI_NOT = frozenset({
    "nahi", "nahin", "nhi", "nai", "ni", "nahee", "nahe", "nhin", "nahii", "नहीं", "नही", "नहि",
    "नई",
})


def spellings(gram: tuple[str, ...]) -> list[tuple[str, ...]]:
    """`gram` with each Hindi "not" in it in every spelling (HINDI_NOT)."""
    return [tuple(words) for words in itertools.product(
        *((sorted(HINDI_NOT) if word in HINDI_NOT else [word]) for word in gram))]


class Grams:
    """Word sequences to look for, indexed by their first word (one pass over a message).
    A Hindi "not" in a sequence stands for all its spellings."""

    def __init__(self, *grams: tuple[str, ...]) -> None:
        index: dict[str, list[tuple[str, ...]]] = {}
        for gram in grams:
            for spelt in spellings(gram):
                index.setdefault(spelt[0], []).append(spelt)
        self.grams = grams
        self.starts = {word: tuple(found) for word, found in index.items()}
        # Where a sequence may start: its word alone, or its first two words.
        self._singles = frozenset(g[0] for found in index.values() for g in found if len(g) == 1)
        self._pairs = frozenset((g[0], g[1]) for found in index.values() for g in found
                                if len(g) > 1)

    def candidates(self, words: tuple[str, ...]) -> list[int]:
        """The positions where one of the sequences may start (`at` tells which): a word
        that is one, or the first two words of one (one comprehension over a long message
        rather than a look at every first word)."""
        starts = self.starts
        if starts.keys().isdisjoint(words):  # mostly: one pass in C
            return []
        singles, pairs, last = self._singles, self._pairs, len(words) - 1
        return [index for index in itertools.compress(range(len(words)),
                                                      map(starts.__contains__, words))
                if words[index] in singles
                or (index < last and (words[index], words[index + 1]) in pairs)]

    def at(self, words: tuple[str, ...], index: int) -> tuple[str, ...] | None:
        """The sequence that starts at `words[index]`, if any (the first listed)."""
        grams = self.starts.get(words[index])
        if grams is None:
            return None
        following = words[index + 1] if index + 1 < len(words) else None
        for gram in grams:
            if len(gram) == 1:
                return gram
            # The second word first: most sequences part there, without a slice.
            if gram[1] == following and words[index : index + len(gram)] == gram:
                return gram
        return None

    def found(self, words: tuple[str, ...], skip: Collection[int] = (), offset: int = 0) -> bool:
        """Whether `words` contain one of the sequences (not using positions in `skip`)."""
        return _clear_of(self.occurrences(words), skip, offset)

    def occurrences(self, words: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
        """Where the sequences stand in `words`: (index, length) of each."""
        found = []
        for index in self.candidates(words):
            gram = self.at(words, index)
            if gram is not None:
                found.append((index, len(gram)))
        return tuple(found)


def _clear_of(occurrences: tuple[tuple[int, int], ...], skip: Collection[int],
              offset: int) -> bool:
    """Whether one of the occurrences uses no position in `skip`."""
    return any(not any(offset + index + k in skip for k in range(size))
               for index, size in occurrences)


# English negation precedes what it negates ("no fever", "don't have any pus").
NEGATE_BEFORE = frozenset({
    "no", "not", "never", "without", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt",
    "werent", "havent", "hasnt", "hadnt", "nor", "neither", "zero", "nothing", "bina",
    "बिना", "bagair", "बगैर", "na", "ना", "न",
})
# Hindi negation follows it ("bukhar nahi hai", "बुखार नहीं है", "pus bilkul nahi").
NEGATE_AFTER = HINDI_NOT - {"नई"} | frozenset({"na", "ना", "न", "none"})  # "नई": also "new"
NEGATIONS = NEGATE_BEFORE | NEGATE_AFTER | {"nope", "nah"}
# A negation after these negates the change, not the symptom: "bukhar utra nahi" (the
# fever has not come down) is still a fever.
CHANGE_WORDS = frozenset({
    "utra", "utar", "utri", "kam", "ghata", "ghati", "ghat", "घट", "ja", "jaa", "जा", "gaya",
    "gayi", "gai", "gya", "theek",
    "thik", "ruk", "ruka", "ruki", "rukta", "rukti", "band", "gone", "better", "stop",
    "उतरा", "उतरी", "उतर", "कम", "घटा", "घटी", "गया", "गई", "गयी", "ठीक", "रुक", "रुका", "रुकी",
    "बंद",
    # "neel halka nahi hua": it has not got lighter, so it is there
    "halka", "halki", "हल्का", "हल्की", "faded", "fade",
})
# The symptom has passed: "fever is gone", "sujan kam ho gayi", "बुखार उतर गया".
RESOLVED = Grams(
    ("gone",), ("went", "away"), ("went", "down"), ("stopped",), ("subsided",),
    ("settled",), ("disappeared",), ("better",), ("reduced",), ("healed",),
    ("utar",), ("utra",), ("utri",), ("chala", "gaya"), ("chali", "gayi"), ("chali", "gai"),
    ("kam", "ho"), ("theek", "ho"), ("thik", "ho"), ("khatam",), ("ठीक", "हो"), ("उतर",),
    ("उतरा",), ("चला", "गया"), ("चली", "गई"), ("कम", "हो"), ("खत्म",),
    # Fading: a bruise turning yellow and lighter is healing ("नील हल्का हो रहा है").
    ("fading",), ("faded",), ("fades",), ("lighter",), ("lightening",), ("yellowish",),
    ("improving",), ("improved",), ("easing",), ("eased",), ("settling",), ("clearing",),
    ("passed",), ("almost", "gone"), ("halka", "ho"), ("halki", "ho"),
    ("हल्का", "हो"), ("हल्की", "हो"), ("पीला", "पड़"), ("peela", "pad"), ("ghat", "rahi"),
    ("ghat", "raha"), ("घट",), ("band", "ho"), ("बंद", "हो"), ("ruk", "gaya"), ("ruk", "gayi"),
    ("रुक", "गया"), ("रुक", "गई"), ("falling", "off"), ("fell", "off"), ("coming", "off"),
    ("halka", "hone"), ("halki", "hone"), ("kam", "hone"), ("हल्का", "होने"), ("हल्की", "होने"),
    ("कम", "होने"), ("peela", "sa"), ("पीला", "सा"), ("peeli", "si"), ("पीली", "सी"),
)
# Doubt: "not sure if it is pus", "shayad bukhar hai", "पता नहीं".
HEDGES = Grams(
    ("not", "sure"), ("unsure",), ("dont", "know"), ("dont", "think"), ("i", "wonder"),
    ("maybe",), ("perhaps",), ("might",), ("could", "be"), ("possible",), ("possibly",),
    ("shayad",), ("shaayad",), ("शायद",), ("pata", "nahi"), ("pata", "nhi"), ("पता", "नहीं"),
)
# A question about the topic in general, not a report: "signs of infection", "what if".
INFO = Grams(
    ("signs",), ("sign",), ("symptoms",), ("symptom",), ("what", "if"), ("if",),
    ("in", "case"), ("how", "do", "i", "know"), ("how", "will", "i", "know"),
    ("how", "to", "know"), ("how", "can", "i", "tell"), ("how", "to", "tell"),
    ("what", "happens"), ("should", "i", "worry"), ("when", "to", "worry"),
    ("when", "should", "i"), ("prevent",), ("avoid",), ("risk",), ("risks",), ("chance",),
    ("chances",), ("can", "it", "cause"), ("does", "it", "cause"), ("lakshan",),
    ("लक्षण",), ("agar",), ("अगर",), ("yadi",), ("यदि",), ("kaise", "pata"),
    ("कैसे", "पता"), ("ho", "sakta"), ("ho", "sakti"), ("हो", "सकता"), ("हो", "सकती"),
    ("bachne",), ("bachein",), ("bache",), ("बचने",), ("बचें",), ("bachav",), ("बचाव",),
    ("jokhim",), ("जोखिम",), ("read", "about"), ("heard",), ("online",), ("google",),
    ("article",), ("video",), ("padha",), ("suna",), ("सुना",), ("पढा",), ("what", "would"),
    ("hone", "par"), ("hone", "pe"), ("होने", "पर"), ("side", "effect"), ("side", "effects"),
    ("ho", "to"), ("हो", "तो"),
    # "bukhar aa jaye to ...", "pitti uchhal aaye to ...": if it comes
    ("jaye", "to"), ("jaaye", "to"), ("jaye", "toh"), ("aaye", "to"), ("aaye", "toh"),
    ("जाए", "तो"), ("जाये", "तो"), ("आए", "तो"), ("आये", "तो"),
)
# ... not these: "even if", "khade hone pe" (on standing up: "chakkar aa rahe khade hone pe").
NOT_INFO = Grams(("as", "if"), ("even", "if"), ("khade", "hone"), ("khada", "hone"),
                 ("khadi", "hone"), ("खड़े", "होने"), ("खड़ा", "होने"), ("खड़ी", "होने"))
# A clause of examples after a question about signs asks about them too.
EXAMPLES = frozenset({"like", "jaise", "jese", "jaisa", "जैसे", "जैसा", "such", "eg"})
SIMILES = frozenset({"if", "like", "jaise", "jese", "jaisa", "जैसे", "जैसा", "मानो", "mano"})
PEOPLE = frozenset({
    "people", "someone", "somebody", "anyone", "anybody", "others", "patients", "everyone",
    "log", "logon", "logo", "लोग", "लोगों", "kisi", "किसी",
})
THIRD_PERSON = frozenset({
    "friend", "friends", "sister", "brother", "mother", "mom", "mum", "mummy", "dad",
    "father", "husband", "wife", "daughter", "son", "aunt", "uncle", "cousin", "colleague",
    "neighbour", "neighbor", "grandmother", "grandma", "she", "he", "her", "his", "him",
    "shes", "hes", "they", "theyre", "aunty", "auntie", "beta", "bete", "kid", "kids",
    "baby", "child", "baccha", "bachcha", "bacche", "बेटा", "बेटे", "बच्चा", "बच्चे", "nanad",
    "devar", "jethani", "सास", "saas", "saasu", "sasuma",
    "devrani", "mama", "mami", "chacha", "chachi", "sasur", "ननद", "देवर", "जेठानी", "मामा",
    "मामी", "चाचा", "ससुर", "बुआ", "मौसा",
    "dost", "saheli", "behen", "bahen", "bahan", "didi", "bhai",
    "bhaiya", "maa", "papa", "pati", "patni", "beti", "bhabhi", "mausi", "bua",
    "nani", "dadi", "usko", "unko", "unhe", "uski", "uska", "uske", "unki", "unka", "woh",
    "वो", "वह", "उसे", "उसको", "उनको", "उन्हें", "उसकी", "उसका", "उसके", "उनकी", "दोस्त", "सहेली",
    "बहन", "दीदी", "भाई", "मां", "माता", "पापा", "पिता", "पति", "पत्नी", "बेटी", "भाभी", "मौसी",
    "चाची", "दादी", "नानी",
    "jiju", "jija", "jijaji", "roommate", "flatmate", "nephew", "niece", "grandpa",
    "grandfather", "bhatija", "bhatiji", "bhanja", "bhanji", "जीजू", "जीजा",
    # pets: "my dog threw up on the carpet"
    "dog", "dogs", "cat", "cats", "puppy", "kitten", "kutta", "kutte", "kutiya",
    "billi", "कुत्ता", "कुत्ते", "बिल्ली",
})
FIRST_PERSON = frozenset({
    "i", "im", "ive", "id", "ill", "me", "myself", "mine", "mujhe", "mujhko", "muje", "main",
    "mai", "hum", "humein", "hamein", "मैं", "मुझे", "मुझको", "हम", "हमें",
})
# "my face" is the patient's own; "my friend" is someone else.
POSSESSIVE = frozenset({
    "my", "mera", "meri", "mere", "humara", "hamara", "hamari", "मेरा", "मेरी", "मेरे", "हमारा",
    "हमारी",
})
PAST = frozenset({
    "had", "was", "were", "got", "ago", "tha", "thi", "hua", "hui", "था", "थी", "थे",
    "हुआ", "हुई",
})
PRESENT = frozenset({
    "has", "is", "are", "have", "now", "hai", "hain", "ab", "abhi", "है", "हैं", "अब", "अभी",
})
# Hindi's "-ing": present unless a past auxiliary follows ("ho rahi" is now, "ho rahi thi"
# was): "jaha injection lagi thi, skin kaali ho rahi" reports now.
PROGRESSIVE = frozenset({"raha", "rahi", "rahe", "rha", "rhi", "rhe", "रहा", "रही", "रहे"})
QUESTION_WORDS = frozenset({
    "is", "are", "can", "could", "should", "will", "would", "do", "does", "did", "what",
    "how", "why", "when", "which", "kya", "क्या", "kyu", "kyun", "kyon", "क्यों", "kaise",
    "कैसे", "kab", "कब",
})
# "can barely swallow", "could hardly breathe": told, not asked.
TOLD_AFTER = frozenset({"barely", "hardly", "only", "not", "never"})
# In a question these still report the patient's own state ("I have fever, is it bad?").
REPORTS = Grams(("i", "have"), ("ive", "got"), ("i", "got"), ("im", "having"), ("i", "feel"),
           ("im", "feeling"), ("i", "am"), ("im",), ("there", "is"), ("theres",),
           ("just", "noticed"), ("i", "noticed"), ("ive", "noticed"), ("i", "can", "see"),
           # "bukhar aa gaya hai to kya karu": what do I do about what I have
           ("what", "do", "i", "do"), ("what", "should", "i", "do"), ("kya", "karu"),
           ("kya", "karun"), ("kya", "karoon"), ("क्या", "करूं"), ("क्या", "करूँ"), ("क्या", "करू"))
# "why is my face swollen?" asks about a state the patient is in.
PRESUPPOSING = frozenset({"why", "kyu", "kyun", "kyon", "क्यों"})
INVERTED = frozenset({"do", "does", "could", "will", "can", "might", "would", "should"})
# Stop the look-back or look-ahead for a negation here: "bukhar hai aur nahi..." is not
# "bukhar nahi".
SCOPE_STOPS = frozenset({"and", "aur", "और", "or", "hai", "है", "hain", "हैं", "tha", "था",
                         "thi", "थी", "but", "lekin"})
BARE_WORDS = NEGATIONS | frozenset({
    "really", "sure", "i", "think", "so", "know", "dont", "ok", "okay", "pata", "actually",
    "ji", "sir", "doctor", "maam", "all", "at", "bilkul", "बिल्कुल", "पता", "जी",
})
WINDOW = 3  # how many words a negation may stand from the phrase
RESOLVED_WINDOW = 6  # how far after a phrase "gone" may stand: "my fever from last week is gone"
# "without any fever or pus": a negation reaches along a list joined by these.
COORDINATORS = frozenset({"or", "nor", "ya", "या", "na", "ना"})
# Hindi asks with these anywhere in the sentence ("sujan kitne din me jayegi").
HINDI_QUESTION_WORDS = frozenset({
    "kitne", "kitna", "kitni", "kab", "kaise", "kyu", "kyun", "kyon", "kya", "कितने", "कितना",
    "कितनी", "कब", "कैसे", "क्यों", "क्या",
})


class Stance(enum.StrEnum):
    """What the words around a phrase say about it."""

    OWN = "own"  # the patient reports it
    NEGATED = "negated"  # denied or passed: "no fever", "bukhar utar gaya"
    INFO = "info"  # a question about it in general: "signs of infection?"
    OTHER_PAST = "other_past"  # someone else, in the past: "my friend had fever"
    OTHER_NOW = "other_now"  # someone else, now (or a carer writing for the patient)
    QUESTION = "question"  # asked about, perhaps their own: "is fever normal?"
    HEDGED = "hedged"  # "not sure if it's pus", or a bare "no" in the next clause


@dataclass(frozen=True, kw_only=True)
class Span:
    """Where a phrase stands: its first and one-past-last word, and the words it used."""

    start: int
    end: int
    used: frozenset[int]


def _negated(reading: Reading, span: Span, clause: tuple[int, int], skip: Collection[int]) -> bool:
    """Denied or passed: a negation just before it (English), just after it (Hindi, unless
    it negates a change: "utra nahi"), or a resolution after it ("gone", "utar gaya")."""
    words = reading.words
    start, end = clause
    steps = 0
    for position in range(span.start - 1, start - 1, -1):
        word = words[position]
        if position in skip:
            continue
        if word in NEGATE_BEFORE:
            return True
        if word in COORDINATORS:
            steps = 0
            continue
        steps += 1
        if word in SCOPE_STOPS or steps >= WINDOW:
            break
    changed = False
    for position in range(span.end, min(end, span.end + WINDOW)):
        word = words[position]
        if position in skip:
            continue
        if word in CHANGE_WORDS:
            changed = True
        elif word in NEGATE_AFTER:
            if position + 1 < end and words[position + 1] in CHANGE_WORDS:
                return False  # "sujan nahi utar rahi": it is the going down that is not
            return not changed  # "nahi" after "utra": the fever has not come down
        elif word in SCOPE_STOPS:
            break
    after = words[span.end : min(end, span.end + RESOLVED_WINDOW)]
    for index in range(len(after)):
        gram = RESOLVED.at(after, index)
        if gram is not None and span.end + index not in skip and not changed_to(
                words, span.end + index + len(gram)):
            return not negated_near(after, index, len(gram))
    return False


# "gone" followed by these is a change, not an end: "gone from mild to really bad", "has
# gone numb", "gone dark".
CHANGED_TO = frozenset({
    "from", "up", "to", "worse", "bad", "red", "black", "blue", "white", "grey", "gray",
    "dark", "darker", "pale", "numb", "hard", "purple", "green", "yellow", "cold", "stiff",
})


def changed_to(words: tuple[str, ...], after: int) -> bool:
    """Whether the resolution that ends before `after` says a change ("gone" + CHANGED_TO)."""
    return after < len(words) and words[after - 1] == "gone" and words[after] in CHANGED_TO


def negated_near(words: tuple[str, ...], index: int, size: int) -> bool:
    """A negation within two words before or after `words[index:index + size]`: a word
    that is itself negated ("not gone", "theek nahi", "no longer spreading")."""
    near = words[max(0, index - 2) : index] + words[index + size : index + size + 2]
    return any(word in NEGATIONS or word in BARELY for word in near)


# "has barely faded", "hardly gone down": not over.
BARELY = frozenset({"barely", "hardly", "scarcely"})


# Romanised Hindi function words: with them, "me" is "in" ("parlour me"), not "me".
HINDI_FUNCTION_WORDS = frozenset({
    "ko", "ka", "ki", "ke", "hai", "tha", "thi", "ho", "se", "raha", "rahi", "gaya", "gayi",
    "gya", "gyi", "hua", "hui", "nahi", "nhi", "bhi", "aur", "h", "hu", "hoon", "rha", "rhi",
    "kr", "isliye", "wjh", "ra", "ri", "ni", "nai", "hy",
})


# Pronouns that Hinglish spells as verbs: "he" and "hy" for "hai".
HINGLISH_NOT_PEOPLE = frozenset({"he"})


def first_person(words: tuple[str, ...]) -> bool:
    """Whether the words speak of the writer ("I", "my face"; not "my friend")."""
    hinglish = bool(set(words) & HINDI_FUNCTION_WORDS)
    for index, word in enumerate(words):
        if word in FIRST_PERSON and not (hinglish and word == "me"):
            return True
        following = words[index + 1] if index + 1 < len(words) else ""
        if word in POSSESSIVE and following not in THIRD_PERSON:
            return True
    return False


def _going_on(words: tuple[str, ...]) -> bool:
    """A Hindi "-ing" with no past auxiliary after it (PROGRESSIVE)."""
    return any(word in PROGRESSIVE and (index + 1 == len(words) or words[index + 1] not in PAST)
               for index, word in enumerate(words))


def _simile(words: tuple[str, ...]) -> bool:
    """ "as if someone put a hot pan on my cheek", "jaise kisi ne chaaku maara": the someone
    of a comparison is no other person."""
    return any(word in PEOPLE and SIMILES.intersection(words[max(0, index - 2) : index])
               for index, word in enumerate(words))


def _reports(words: tuple[str, ...]) -> bool:
    for index in range(len(words)):
        if (index == 0 or words[index - 1] not in INVERTED) and REPORTS.at(words, index):
            return True
    return False


def _bare_negation_after(reading: Reading, clause_index: int) -> bool:
    """ "fever? no", "pus hai... pata nahi": a bare negation or doubt right after the clause.
    (A leading "No, I have fever" answers something else: the report stands.)"""
    following = clause_index + 1
    if following >= len(reading.clauses):
        return False
    if reading.clauses[following].sentence - reading.clauses[clause_index].sentence > 1:
        return False
    words = set(reading.clause_words(following))
    return bool(words) and words <= BARE_WORDS and bool(words & NEGATIONS)


# A statement that ends in "?" ("white stuff leaking from the marks??") still reports: only
# a short clause ("fever?") or one with a question word asks.
MIN_STATEMENT = 4


ASKING_WORDS = frozenset({
    "sakte", "sakti", "sakta", "skte", "skti", "chahiye", "chaiye", "सकते", "सकती", "सकता",
    "चाहिए", "ok", "okay", "normal", "नॉर्मल", "सामान्य",
})


def _asks(words: tuple[str, ...]) -> bool:
    return len(words) < MIN_STATEMENT or bool(
        set(words) & (QUESTION_WORDS | INVERTED | HINDI_QUESTION_WORDS | ASKING_WORDS))


def judge(reading: Reading, span: Span, consumed: Collection[int] = ()) -> Stance:
    """The stance of the message towards the phrase at `span` (see the module doc)."""
    clause_index = reading.clause_of[span.start]
    clause = reading.clauses[clause_index]
    skip = set(consumed) | set(span.used)
    offset = clause.start
    # Words said together may cross a comma ("face ekdum thik hai, koi sujan nahi"): a
    # negation after the last is read in the last one's clause.
    last = reading.clauses[reading.clause_of[span.end - 1]]
    if _negated(reading, span, (clause.start, max(clause.end, last.end)), skip):
        return Stance.NEGATED
    if _clear_of(_hedges(reading, clause_index), skip, offset):
        return Stance.HEDGED
    return _clause_stance(reading, clause_index)


class _PerClause(Generic[T]):
    """A pure function of a clause, remembered for the last message read: judge asks once
    per phrase, and a long message has hundreds of phrases in the same clauses."""

    def __init__(self, compute: Callable[[Reading, int], T]) -> None:
        self._compute = compute
        self._reading: Reading | None = None
        self._known: dict[int, T] = {}

    def __call__(self, reading: Reading, clause_index: int) -> T:
        if self._reading is not reading:
            self._reading, self._known = reading, {}
        found = self._known.get(clause_index)
        if found is None:
            found = self._known[clause_index] = self._compute(reading, clause_index)
        return found


# Where the hedges stand in a clause.
_hedges = _PerClause(lambda reading, index: HEDGES.occurrences(reading.clause_words(index)))


def _stance_of_clause(reading: Reading, clause_index: int) -> Stance:
    clause = reading.clauses[clause_index]
    words = reading.clause_words(clause_index)
    bag = set(words)
    if INFO.found(words) and not NOT_INFO.found(words):
        return Stance.INFO
    if words[0] in EXAMPLES and any(INFO.found(reading.clause_words(earlier))
                                    for earlier in range(clause_index)):
        return Stance.INFO  # "which signs mean I should call? like pus or fever?"
    if bag & PEOPLE and not first_person(words) and not _simile(words):
        return Stance.INFO
    third = bag & THIRD_PERSON
    if bag & HINDI_FUNCTION_WORDS:
        third -= HINGLISH_NOT_PEOPLE  # "pas nikal rha he": "he" is "hai"
    if third and not first_person(words):
        past = bool(bag & PAST) and not bag & PRESENT and not _going_on(words)
        return Stance.OTHER_PAST if past else Stance.OTHER_NOW
    opens = words[0] in QUESTION_WORDS and not (len(words) > 1 and words[1] in TOLD_AFTER)
    asking = (clause.question and _asks(words)) or opens or bool(bag & HINDI_QUESTION_WORDS)
    if asking and words[0] not in PRESUPPOSING and not _reports(words):
        return Stance.QUESTION
    if _bare_negation_after(reading, clause_index):
        return Stance.HEDGED
    return Stance.OWN


# What the clause itself says of any phrase in it (after negation and hedges).
_clause_stance = _PerClause(_stance_of_clause)
