"""What a patient's message asks for: one pure decision, shared by the inbox and the
evaluation benchmark (bench/understanding.py).

The safety order: red flags first (core.triage), then small talk, then the FAQ, and a
person for anything left. In detail:

- URGENT: a clear red flag. DOUBTFUL: maybe one: a calm reply and a normal case (and the
  FAQ answer too, when one fits: "can I take paracetamol for fever?").
- NORMAL: swelling, bruising or redness while still expected: the lasting rule's
  reassuring reply, which says when to worry.
- A red-flag word that is not the patient's symptom ("no fever, just a little red",
  "what are the signs of infection?"): the FAQ answer the rest of the message asks for,
  else the warning-signs entry (`red_flags.info_faq`); never the alarm.
- SMALLTALK: "ok", "thanks", "🙏": a short answer, nothing for staff.
- ANSWER when one FAQ entry is confidently and clearly ahead; ASK ("did you mean")
  when candidates are close; HANDOFF when nothing fits.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass

from core.faq import CONFIDENT_SCORE, FaqIndex
from core.text_match import normalize
from core.triage import Level, Situation, Triage


class Outcome(enum.StrEnum):
    URGENT = "urgent"
    DOUBTFUL = "doubtful"
    NORMAL = "normal"
    ANSWER = "answer"
    ASK = "ask"
    HANDOFF = "handoff"
    SMALLTALK = "smalltalk"
    EMPTY = "empty"


@dataclass(frozen=True, kw_only=True)
class Understanding:
    """The decision: what to reply with, which FAQ entries, and the triage rule if any."""

    outcome: Outcome
    entry_id: str | None = None  # the FAQ answer (ANSWER; DOUBTFUL when one fits)
    suggestions: tuple[str, ...] = ()  # FAQ entries to offer as buttons
    close_call: bool = False  # ASK between confident candidates (no case for staff)
    rule_id: str | None = None
    phrase: str | None = None
    reason: str = ""


SMALL_TALK = frozenset({
    "ok", "okay", "okk", "okey", "k", "kk", "thanks", "thank", "thankyou", "you", "u", "thx",
    "ty", "tysm", "much", "so", "very", "a", "lot", "hi", "hello", "hey", "hii", "good",
    "morning", "evening", "night", "afternoon", "great", "fine", "sure", "yes", "yeah", "yep",
    "no", "noted", "got", "it", "will", "do", "doctor", "dr", "maam", "mam", "sir", "madam",
    "bye", "see", "all", "well", "nice", "cool", "perfect", "understood", "alright", "right",
    "ji", "haan", "han", "ha", "theek", "thik", "hai", "he", "dhanyavad", "dhanyawad",
    "dhanyavaad", "shukriya", "accha", "acha", "achha", "namaste", "namaskar", "bahut",
    "thanku", "welcome", "to", "the", "team",
    # Thanks and ok as typed on phones.
    "thnx", "thanx", "tnx", "thnks", "thks", "thnk", "thanq", "thnq", "tq", "tku", "thankss",
    "oki", "okie", "okkk", "okayy", "gm", "gn",
    "ठीक", "है", "धन्यवाद", "शुक्रिया", "नमस्ते", "नमस्कार", "अच्छा", "हां", "जी", "ओके", "बहुत",
    "सुप्रभात", "शुभ", "रात्रि", "डॉक्टर",
})
MAX_SMALL_TALK_WORDS = 8


def is_small_talk(text: str) -> bool:
    """Greetings, thanks, "ok", emoji: nothing to answer from the FAQ, nothing for staff."""
    words = normalize(text).split()
    if not words:
        return bool(text.strip())  # emoji or punctuation only
    return len(words) <= MAX_SMALL_TALK_WORDS and set(words) <= SMALL_TALK


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
    verdict = triage.assess(text, situation)

    def flagged(outcome: Outcome, entry_id: str | None = None,
                suggestions: tuple[str, ...] = ()) -> Understanding:
        return Understanding(outcome=outcome, entry_id=entry_id, suggestions=suggestions,
                             rule_id=verdict.rule_id, phrase=verdict.phrase,
                             reason=verdict.reason)

    if verdict.level is Level.CLEAR:
        return flagged(Outcome.URGENT)
    # "no rash or anything, when can I use sunscreen": the FAQ reads what is asked.
    asked = " ".join(w for w in normalize(text).split() if w not in verdict.denied)
    match = faq.match(asked if verdict.denied else text, language, protocols=protocols)
    answer = match.best.entry_id if match.best is not None else None
    if verdict.level is Level.DOUBTFUL:
        return flagged(Outcome.DOUBTFUL, answer)
    if verdict.level is Level.EARLY:
        return flagged(Outcome.NORMAL)
    if verdict.level is Level.INFO:
        chosen = answer or info_faq
        others = (info_faq,) if info_faq and answer and answer != info_faq else ()
        if chosen is not None:
            return flagged(Outcome.ANSWER, chosen, others)
    if is_small_talk(text):
        return Understanding(outcome=Outcome.SMALLTALK)
    if answer is not None:
        return Understanding(outcome=Outcome.ANSWER, entry_id=answer)
    suggestions = tuple(hit.entry_id for hit in match.alternatives)
    if suggestions:
        close = match.alternatives[0].score >= CONFIDENT_SCORE
        return Understanding(outcome=Outcome.ASK, suggestions=suggestions, close_call=close)
    return Understanding(outcome=Outcome.HANDOFF)
