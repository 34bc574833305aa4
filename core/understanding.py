"""What a patient's message asks for: one pure decision, shared by the inbox and the
evaluation benchmark (bench/understanding.py).

The safety order: red flags first (core.triage), then the patient's own symptoms and
requests, then small talk, then the FAQ, and a person for anything left. A message that
reports the patient's own symptom is never answered by the FAQ alone. In detail:

- URGENT: a clear red flag. DOUBTFUL: maybe one, or the patient's own symptom or distress
  that is no red flag: a calm reply and a normal case (and the FAQ answer too, when one
  fits: "can I take paracetamol for fever?").
- REQUEST: the patient wants something changed or done (reschedule, cancel, book, call
  me, bring someone, "why did my reminders stop"): a person, and no FAQ answer ("cancel"
  is no typo of "cancer").
- NORMAL: swelling, bruising, redness or soreness while still expected: the reassuring
  reply, which says when to worry.
- A red-flag word that is not the patient's symptom ("no fever, just a little red",
  "what are the signs of infection?"): the FAQ answer the rest of the message asks for,
  else the warning-signs entry (`red_flags.info_faq`); never the alarm.
- SMALLTALK: "ok", "thanks", "thnks dr 🙏", "ok ji": a short answer, nothing for staff.
- FINE: calm news ("all good now", "no pain at all", "98.4, normal"): a friendly word,
  nothing for staff.
- ANSWER when one FAQ entry is confidently and clearly ahead; ASK ("did you mean")
  when candidates are close (a person looks too unless the patient asked something: a
  statement the bot cannot place may be a symptom in words it does not know); HANDOFF
  when nothing fits.

Then learned readers (core/learned.py, when the triage has them) read what the rules did
not find urgent: a message the red-flag reader finds likely one goes to a person
(DOUBTFUL, the FAQ answer beside it) or, when it already goes to one, is URGENT (the card
says "learned (model 83%: seeping + dots)"); otherwise short small talk the rules could not
place is small talk, and the FAQ reader answers a question the rules could only guess at.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace

from core import concerns
from core.cues import HINDI_QUESTION_WORDS, QUESTION_WORDS
from core.faq import CONFIDENT_SCORE, FaqIndex
from core.language import WEEKDAYS
from core.learned import (
    EXPECTED_AT,
    FAQ_ASKED_AT,
    FAQ_CHARS,
    FAQ_PICK_AT,
    PERSON_AT,
    PERSON_NEEDED_AT,
    SMALL_TALK_AT,
    SMALL_TALK_WORDS,
    URGENT_AT,
    Learned,
    Reading,
)
from core.spelling import sound_key
from core.text_match import normalize
from core.triage import SYMPTOM_RULE, Level, Situation, Triage


class Outcome(enum.StrEnum):
    URGENT = "urgent"
    DOUBTFUL = "doubtful"
    NORMAL = "normal"
    ANSWER = "answer"
    ASK = "ask"
    HANDOFF = "handoff"
    SMALLTALK = "smalltalk"
    FINE = "fine"
    REQUEST = "request"
    EMPTY = "empty"


# What opens a case for staff (urgent or not); the inbox raises the alert for these.
PERSON = frozenset({Outcome.URGENT, Outcome.DOUBTFUL, Outcome.HANDOFF, Outcome.REQUEST})


@dataclass(frozen=True, kw_only=True)
class Understanding:
    """The decision: what to reply with, which FAQ entries, and the triage rule if any."""

    outcome: Outcome
    entry_id: str | None = None  # the FAQ answer (ANSWER; DOUBTFUL when one fits)
    suggestions: tuple[str, ...] = ()  # FAQ entries to offer as buttons
    close_call: bool = False  # ASK between confident candidates (no case for staff)
    confident: bool = False  # ASK: the candidates are confident ones (close_call if asked)
    rule_id: str | None = None
    phrase: str | None = None
    reason: str = ""
    matched: str = ""  # what was found, as staff read it on the card: "chills + 102°F"

    @property
    def needs_person(self) -> bool:
        """Whether this opens a case for staff (an ASK between weak candidates does too:
        no question is left hanging)."""
        return self.outcome in PERSON or (self.outcome is Outcome.ASK and not self.close_call)


SMALL_TALK = frozenset({
    "ok", "okay", "okk", "okey", "k", "kk", "thanks", "thank", "thankyou", "you", "u", "thx",
    "ty", "tysm", "much", "so", "very", "a", "lot", "hi", "hello", "hey", "hii", "good",
    "morning", "evening", "night", "afternoon", "great", "fine", "sure", "yes", "yeah", "yep",
    "no", "noted", "got", "it", "will", "do", "doctor", "dr", "maam", "mam", "sir", "madam",
    "bye", "see", "all", "well", "nice", "cool", "perfect", "understood", "alright", "right",
    "ji", "haan", "han", "ha", "theek", "thik", "hai", "he", "dhanyavad", "dhanyawad",
    "dhanyavaad", "shukriya", "accha", "acha", "achha", "namaste", "namaskar", "bahut",
    "thanku", "welcome", "to", "the", "team",
    # Thanks and ok as typed on phones, with the titles people add.
    "thnx", "thanx", "tnx", "thnks", "thks", "thnk", "thanq", "thnq", "tq", "tku", "thankss",
    "oki", "okie", "okkk", "okayy", "gm", "gn", "bhai", "bhaiya", "didi", "doc", "sahab",
    "saheb", "dear", "bro", "ma", "am", "helpful", "appreciate", "appreciated", "done",
    "haha", "hahaha", "hehe", "lol", "super", "awesome", "wonderful", "kind", "for",
    "your", "samajh", "gaya", "gayi", "gai", "mila", "badhiya",
    "shukriyaa", "hmm", "hm", "mm", "yup", "ya", "yea", "and", "again", "too", "sab",
    "that", "hope", "youre", "doing", "gud", "nyt", "nite", "goodnight", "hanji", "haanji",
    "kr", "kar", "lungi", "lunga", "karungi", "karunga", "krungi", "krunga", "le", "li",
    "नोट", "कर", "लिया", "ली", "लूंगी", "लूंगा", "बिलकुल", "बिल्कुल", "ऐसा", "ही", "करूंगी",
    "करूंगा", "करूँगी",
    # Wishes, blessings and goodbyes: "have a nice day", "happy diwali to the whole team",
    # "god bless", "cheers mate", "see u on tuesday then", "chalo bye, milte hai", "jeete
    # raho beta", "आपका दिन शुभ हो".
    "have", "day", "happy", "diwali", "holi", "eid", "christmas", "xmas", "merry",
    "new", "year", "bless", "blessings", "god", "cheers", "mate", "best", "wishes", "take",
    "care", "soon", "talk", "later", "then", "on", "whole", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "chalo", "pakka", "sahi", "shubh", "din",
    "ho", "jeete", "raho", "beta", "bhagwan", "bhala", "kare", "milte", "phir", "fir",
    "aabhar", "sabko", "ko", "ki", "poori", "puri", "shubhkamnayein", "shubhkamnaye",
    "चलो", "पक्का", "हम्म", "सही", "दिन", "हो", "जीते", "रहो", "बेटा", "भगवान", "भला",
    "करे", "मिलते", "फिर", "आभार", "सबको", "को", "की", "पूरी", "टीम", "शुभकामनाएं", "बाय",
    "मैम", "आप",
    "ठीक", "है", "धन्यवाद", "शुक्रिया", "नमस्ते", "नमस्कार", "अच्छा", "हां", "जी", "ओके", "बहुत",
    "सुप्रभात", "शुभ", "रात्रि", "डॉक्टर", "समझ", "गई", "गया", "गयी", "मैडम", "सर", "भैया",
    "दीदी", "हाँ", "आपका", "आपकी", "मदद", "के", "लिए", "बढ़िया",
})
_SMALL_TALK_KEYS = frozenset(
    key for key in map(sound_key, SMALL_TALK) if key is not None and len(key) >= 4
)
MAX_SMALL_TALK_WORDS = 8


# Thanks, ok, greetings and goodbyes: a message built around one of these, with no
# question, is small talk even with a few other words ("thank you so much for the quick
# reply, really appreciate it").
ANCHORS = frozenset({
    "thanks", "thank", "thankyou", "thanku", "thx", "ty", "tysm", "thnx", "thanx", "tnx",
    "thnks", "thks", "thnk", "thanq", "thnq", "tq", "tku", "ok", "okay", "okk", "okie", "oki",
    "noted", "understood", "hello", "hi", "hey", "bye", "goodnight", "dhanyavad",
    "dhanyawad", "dhanyavaad", "shukriya", "shukriyaa", "namaste", "namaskar", "theek",
    "thik", "accha", "acha", "achha", "great", "perfect", "awesome", "wonderful",
    "धन्यवाद", "शुक्रिया", "नमस्ते", "नमस्कार", "ठीक", "अच्छा", "ओके", "बढ़िया",
})
MAX_LOOSE_SMALL_TALK_WORDS = 14
_ANCHOR_KEYS = frozenset(
    key for key in map(sound_key, ANCHORS) if key is not None and len(key) >= 4
)



@functools.lru_cache(maxsize=2)
def _normalized(text: str) -> str:
    """A whole message, normalised once: a decision reads it in several passes (the FAQ's
    question, small talk, thanks, requests, the learned readers), each wanting its words; a
    10,000-character message in Devanagari takes ~2 ms to normalise."""
    return normalize(text)

def _small_word(word: str) -> bool:
    return word in SMALL_TALK or sound_key(word) in _SMALL_TALK_KEYS


def is_small_talk(text: str, *, loose: bool = False) -> bool:
    """Greetings, thanks, "ok", emoji: nothing to answer from the FAQ, nothing for staff.
    `loose`: also a short message around thanks or ok with a few other words and no
    question (asked only when the FAQ has no answer)."""
    words = _normalized(text).split()
    if not words:
        return bool(text.strip())  # emoji or punctuation only
    if len(words) <= MAX_SMALL_TALK_WORDS and all(map(_small_word, words)):
        return True
    if not loose or "?" in text or len(words) > MAX_LOOSE_SMALL_TALK_WORDS or (
            words[0] in _ASKS_FIRST):  # "is it ok to put on sunblock tomorrow"
        return False
    anchored = any(word in ANCHORS or sound_key(word) in _ANCHOR_KEYS for word in words)
    return anchored and sum(map(_small_word, words)) * 2 >= len(words)


THANKS = frozenset({
    "thanks", "thank", "thankyou", "thanku", "thx", "tysm", "thnx", "thanx", "thnks", "thanq",
    "grateful", "appreciate", "dhanyavad", "dhanyawad", "dhanyavaad", "shukriya",
    "shukriyaa", "धन्यवाद", "शुक्रिया", "आभार",
})
_SENTENCES = re.compile(r"[.!?।\n]+")
_QUESTION_WORDS = frozenset({
    "what", "when", "how", "why", "which", "can", "should", "could", "will", "is", "are", "do",
    "does", "kya", "kab", "kaise", "kyun", "kyu", "क्या", "कब", "कैसे", "क्यों",
})


def thanks_note(text: str) -> bool:
    """A note of thanks that asks nothing ("Dear doctor, thank you all for being so
    patient yesterday ... looking forward to the next visit"): small talk, however long;
    the FAQ words in it ("next visit") ask for nothing. (Symptoms and requests in it were
    found before this is asked.)"""
    if "?" in text or not set(_normalized(text).split()) & THANKS:
        return False
    return not any(words and words[0] in _QUESTION_WORDS for words in _sentence_words(text))


def _sentence_words(text: str) -> Iterator[list[str]]:
    """The normalised words of each sentence of `text`."""
    return (normalize(sentence).split() for sentence in _SENTENCES.split(text))


# A weekday with these is a request to move a session: "next session saturday se monday?"
_SESSION_WORDS = frozenset({
    "session", "sessions", "appointment", "appt", "slot", "visit", "sitting", "सेशन",
    "अपॉइंटमेंट", "सिटिंग",
})


def is_request(text: str, *, answered: bool) -> bool:
    """Whether `text` asks for something to be changed or done by a person
    (core.concerns.REQUESTS). `answered`: the FAQ has a confident answer, so a "how do I
    ..." question about it is a question, not a request."""
    words = tuple(_normalized(text).split())
    if concerns.REQUESTS.found(words):
        return not (answered and concerns.HOW_QUESTIONS.found(words))
    if set(words) & _SESSION_WORDS and set(words) & WEEKDAYS.keys():
        return True  # "शुक्रवार वाला अपॉइंटमेंट सोमवार को कर सकते हैं?"
    if concerns.WEAK_REQUESTS.found(words):
        # "should I stop fish oil before my appointment?": the FAQ; "book it please": a person
        return not answered or concerns.IMPERATIVES.found(words)
    return False


_ASKING = QUESTION_WORDS | HINDI_QUESTION_WORDS | frozenset({
    "where", "who", "whom", "any", "konsa", "konsi", "kaun", "kahan", "kaha", "sakti", "sakta",
    "sakte", "chahiye", "कौन", "कौनसा", "कहां", "कहाँ", "सकती", "सकता", "सकते", "चाहिए",
})


def asks(text: str) -> bool:
    """Whether `text` asks something: a question mark or a question word (any language)."""
    return "?" in text or "？" in text or bool(_ASKING.intersection(_normalized(text).split()))


# English asks with its first word ("is it normal ...", "when can I ..."); the same words
# inside a sentence are a report ("white where the dots were, and they are tender").
_OPENERS = frozenset({
    "is", "are", "can", "could", "should", "will", "would", "do", "does", "did", "what",
    "how", "why", "when", "which", "where", "who", "whom", "any",
})
_ASKED_ANYWHERE = _ASKING - _OPENERS
# A message opening with these asks, even without "?" ("will do" and "do share" need not).
_ASKS_FIRST = _OPENERS - {"will", "would", "do"} | {"kya", "क्या"}


def asks_plainly(text: str) -> bool:
    """Whether `text` is a question: a question mark, a sentence opening with an English
    question word, or a Hindi one anywhere ("kab", "क्या", "sakti": Hindi asks in place)."""
    if "?" in text or "？" in text:
        return True
    return any(words and (words[0] in _OPENERS or _ASKED_ANYWHERE.intersection(words))
               for words in _sentence_words(text))


def _answers_symptom(faq: FaqIndex, entry_id: str, symptom: str | None, language: str,
                     protocols: Collection[str] | None) -> bool:
    """Whether FAQ entry `entry_id` is one the symptom's own words lead to."""
    if not symptom:
        return True
    found = faq.match(symptom, language, protocols=protocols)
    return entry_id in {hit.entry_id for hit in (found.best, *found.alternatives) if hit}


def understand(
    text: str,
    *,
    triage: Triage,
    faq: FaqIndex,
    language: str,
    situation: Situation | None = None,
    protocols: Collection[str] | None = None,
    info_faq: str | None = None,
) -> Understanding:
    """Decide what `text` needs (see the module doc). `language`: the one to match first."""
    if not text.strip():
        return Understanding(outcome=Outcome.EMPTY)
    found = _by_rules(text, triage=triage, faq=faq, language=language, situation=situation,
                      protocols=protocols, info_faq=info_faq)
    learned = triage.learned
    if learned is None or found.outcome is Outcome.URGENT:
        return found
    safer = _second_reading(found, learned.red_flag.read(text))
    if safer is not found:
        return safer
    return _calm_reading(found, text, learned, faq, protocols)


# The rule a decision of the learned reader is filed under (the card: "learned (model 83%:
# seeping + dots)").
LEARNED_RULE = "learned"
# ... and a message the person reader sent to staff ("request-or-concern (model 85%: kar +
# note)").
PERSON_RULE = "request-or-concern"


def _second_reading(found: Understanding, reading: Reading) -> Understanding:
    """The rules' decision, made safer by the learned reader (core/learned.py): a message
    it finds likely a red flag is urgent when it already goes to a person, and goes to one
    when the rules would have answered it alone (the FAQ answer stays beside it; a symptom
    the rules found expected on this day needs a surer reading)."""
    if found.needs_person and reading.worrying(URGENT_AT):
        # A red-flag rule the rules only doubted keeps its own urgent reply.
        rule = found.rule_id if found.rule_id not in (None, SYMPTOM_RULE) else LEARNED_RULE
        return Understanding(outcome=Outcome.URGENT, rule_id=rule, phrase=found.phrase,
                             reason=found.reason,
                             matched=_joined(found.matched, reading.explain()))
    if not found.needs_person and reading.worrying(
            EXPECTED_AT if found.outcome is Outcome.NORMAL else PERSON_AT):
        return Understanding(outcome=Outcome.DOUBTFUL, entry_id=found.entry_id,
                             rule_id=LEARNED_RULE, phrase=found.phrase, reason=found.reason,
                             matched=_joined(found.matched, reading.explain()))
    return found


def _calm_reading(found: Understanding, text: str, learned: Learned, faq: FaqIndex,
                  protocols: Collection[str] | None) -> Understanding:
    """Where the red-flag reader saw nothing to worry about: small talk the rules do not
    know ("cheers doc", "shukriya ji") is small talk rather than a case, the FAQ entry the
    learned reader is sure a short question asks is the answer (core/learned.py), and an
    answer to a request or a concern goes to a person as well."""
    normalized = _normalized(text)
    return _for_a_person(_placed(found, text, normalized, learned, faq, protocols),
                         normalized, learned)


def _for_a_person(found: Understanding, normalized: str, learned: Learned) -> Understanding:
    """An answer to what is a request or a concern rather than a question: "mera naya
    number note kar lijiye" (note my new number) asks for more than the clinic's contact
    entry, "i dont see any change, it didnt work" for more than when results show. The
    answer stays beside it (a calm reply), and staff see the message. (Requests the rules
    know, "can I reschedule", "why did my reminders stop", are theirs already.)"""
    answered = found.outcome is Outcome.ANSWER or (
        found.outcome is Outcome.ASK and found.close_call)
    if learned.person is None or not answered:
        return found
    reading = learned.person.read(normalized)
    if not reading.worrying(PERSON_NEEDED_AT):  # with a word to show staff for it
        return found
    return Understanding(outcome=Outcome.DOUBTFUL, entry_id=found.entry_id,
                         rule_id=PERSON_RULE, matched=reading.explain())


def _placed(found: Understanding, text: str, normalized: str, learned: Learned,
            faq: FaqIndex, protocols: Collection[str] | None) -> Understanding:
    """Small talk and FAQ entries the learned readers place where the rules could not."""
    guessed = found.outcome is Outcome.ASK and not found.confident
    unplaced = found.outcome is Outcome.HANDOFF or guessed
    question = "?" in text or "？" in text
    words = tuple(normalized.split())
    if (unplaced and learned.small_talk is not None and not question
            and len(words) <= SMALL_TALK_WORDS and not concerns.CALLS_FOR_HELP.found(words)
            and learned.small_talk.probability(normalized) >= SMALL_TALK_AT):
        return Understanding(outcome=Outcome.SMALLTALK)
    if (learned.faq is None or len(text) > FAQ_CHARS
            or found.outcome not in (Outcome.ASK, Outcome.HANDOFF, Outcome.ANSWER)
            or (found.outcome in (Outcome.HANDOFF, Outcome.ASK) and not asks(text))):
        # A statement the rules could not place may be a symptom in other words ("cold"):
        # a person looks, as the rules decided.
        return found
    choice = learned.faq.choose(normalized)
    # Weak candidates are a guess the model may settle; two entries the patient named both
    # ("makeup and sunscreen?"), a question nothing matched, or an answer the rules gave
    # need a surer reading.
    needed = FAQ_PICK_AT if guessed else FAQ_ASKED_AT
    if (choice.label and choice.label != found.entry_id and choice.probability >= needed
            and faq.offers(choice.label, protocols)):
        if found.outcome is Outcome.ANSWER:
            # Another entry, with what the rules put beside it (the warning signs when a
            # symptom word was in it: "ye side effects kitne din me chale jaate hai" is no
            # question about blisters, "chhale").
            return replace(found, entry_id=choice.label)
        return Understanding(outcome=Outcome.ANSWER, entry_id=choice.label)
    return found


def _joined(*parts: str) -> str:
    return " + ".join(part for part in parts if part)


def _by_rules(
    text: str,
    *,
    triage: Triage,
    faq: FaqIndex,
    language: str,
    situation: Situation | None,
    protocols: Collection[str] | None,
    info_faq: str | None,
) -> Understanding:
    """The decision of the rules alone."""
    verdict = triage.assess(text, situation)

    def flagged(outcome: Outcome, entry_id: str | None = None,
                suggestions: tuple[str, ...] = ()) -> Understanding:
        return Understanding(outcome=outcome, entry_id=entry_id, suggestions=suggestions,
                             rule_id=verdict.rule_id, phrase=verdict.phrase,
                             reason=verdict.reason, matched=" + ".join(verdict.matched))

    if verdict.level is Level.CLEAR:
        return flagged(Outcome.URGENT)
    # "no rash or anything, when can I use sunscreen": the FAQ reads what is asked.
    asked = " ".join(w for w in _normalized(text).split() if w not in verdict.denied)
    match = faq.match(asked if verdict.denied else text, language, protocols=protocols)
    answer = match.best.entry_id if match.best is not None else None
    if verdict.level is Level.DOUBTFUL:
        return flagged(Outcome.DOUBTFUL, answer)
    close = bool(match.alternatives) and match.alternatives[0].score >= CONFIDENT_SCORE
    if is_request(text, answered=answer is not None or close):
        # A person, not an FAQ topic: "why did you cancel my reminders" is no question
        # about cancer, "can I reschedule to Friday" none about the clinic's contact.
        return flagged(Outcome.REQUEST)
    if verdict.level is Level.EARLY:
        # Soreness or itching in the first days: the FAQ's answer on it when there is one
        # (it says when to worry), else the reassuring reply.
        if answer is not None and verdict.rule_id == SYMPTOM_RULE and not asks_plainly(text) and (
                not _answers_symptom(faq, answer, verdict.phrase, language, protocols)):
            # A report of a symptom whose FAQ answer is about another word in it ("the dots
            # turned into little white heads and they're tender": whitening): the FAQ
            # answers no question here, and the symptom is told in words the rules do not
            # know. A person looks (the answer would be beside the point).
            return flagged(Outcome.DOUBTFUL)
        if answer is not None and verdict.rule_id == SYMPTOM_RULE:
            # "i can breathe fine, just slight tingling": the warning signs as a button too
            warning = (info_faq,) if verdict.denied and info_faq and answer != info_faq else ()
            return Understanding(outcome=Outcome.ANSWER, entry_id=answer, suggestions=warning)
        return flagged(Outcome.NORMAL)
    if verdict.level is Level.INFO:
        chosen = answer or info_faq
        others = (info_faq,) if info_faq and answer and answer != info_faq else ()
        if chosen is not None:
            return flagged(Outcome.ANSWER, chosen, others)
    if is_small_talk(text) or thanks_note(text):
        return Understanding(outcome=Outcome.SMALLTALK)
    if answer is not None:
        return Understanding(outcome=Outcome.ANSWER, entry_id=answer)
    if is_small_talk(text, loose=True):
        return Understanding(outcome=Outcome.SMALLTALK)
    if (verdict.calm or concerns.FINE.found(tuple(_normalized(text).split()))) and "?" not in text:
        return Understanding(outcome=Outcome.FINE)
    suggestions = tuple(hit.entry_id for hit in match.alternatives)
    if suggestions:
        # Close candidates let the patient pick, when they asked something; what they
        # told us and we could not place goes to a person too.
        confident = match.alternatives[0].score >= CONFIDENT_SCORE
        return Understanding(outcome=Outcome.ASK, suggestions=suggestions,
                             close_call=confident and asks(text), confident=confident)
    return Understanding(outcome=Outcome.HANDOFF)
