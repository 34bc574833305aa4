"""A patient's typed answer to the consent question ("yes", "haan ji theek hai", "हाँ",
"ok i agree", "no", "sorry I pressed no by mistake"), in the clinic's languages (English,
Hindi, Hindi typed in Latin letters).

An answer is "yes" or "no" only when every word of it says so (or is a courtesy like
"please", "ji", "thanks"); "again" when the patient says a button was pressed by mistake,
or yes and no are mixed; None when it is no answer at all (a question, say). Taking a
yes is a patient's consent: when in doubt the buttons are shown again, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Answer = Literal["yes", "no", "again"]

_YES = frozenset({
    "yes", "y", "yeah", "yea", "yep", "yup", "yess", "yesss", "ok", "okay", "okk", "okie",
    "k", "kk", "sure", "agree", "agreed", "accept", "accepted", "fine", "alright",
    "👍", "✅", "✔", "☑",
    # Hindi in Latin letters
    "haan", "han", "haa", "ha", "haanji", "hanji", "ji", "jee", "theek", "thik", "theekh",
    "hai", "he", "sahi", "bilkul", "manzoor", "manjoor", "chalega", "chalo", "thikhai",
    # Hindi
    "हाँ", "हां", "हा", "जी", "ठीक", "है", "सहमत", "हूँ", "हूं", "बिल्कुल", "मंज़ूर", "मंजूर",
    "चलेगा", "हाँजी", "हांजी",
})
_NO = frozenset({
    "no", "n", "nope", "nah", "nahi", "nahin", "nai", "nhi", "na", "mat", "decline",
    "declined", "👎", "❌", "नहीं", "नही", "ना", "मत",
})
# Words that make an answer neither yes nor no: courtesy, "I", "do", "of course".
_COURTESY = frozenset({
    "please", "pls", "plz", "sir", "madam", "mam", "maam", "thanks", "thank", "you", "thx",
    "dhanyavad", "dhanyawad", "shukriya", "i", "do", "am", "of", "course", "go", "ahead",
    "sounds", "good", "it", "that", "is", "all", "right", "now", "not", "for", "me",
    "मैं", "धन्यवाद", "शुक्रिया", "कृपया", "जी।",
})
# Said of a button pressed by mistake, or a change of mind: show the question again.
_AGAIN = re.compile(
    r"mistake|wrong button|pressed no|clicked no|tapped no|hit no|meant yes|by accident|"
    r"accidental|changed? my mind|galti|galati|galat|गलती|ग़लती|गलत|भूल से",
    re.IGNORECASE,
)
_REFUSE = re.compile(r"\b(?:don'?t|do not|dont|not) (?:agree|accept|want)\b|disagree|"
                     r"not interested", re.IGNORECASE)
_WORD = re.compile(r"[\w\u0900-\u097f]+|[^\w\s]", re.UNICODE)


def consent_answer(text: str) -> Answer | None:
    """What a typed reply to the consent question says (see the module doc)."""
    cleaned = unicodedata.normalize("NFC", text).strip().lower()
    if not cleaned:
        return None
    if _AGAIN.search(cleaned):
        return "again"
    if _REFUSE.search(cleaned):
        return "no"
    words = [w for w in _WORD.findall(cleaned.replace("’", "'").replace("'", ""))
             if w not in ".,!?।;:-~()\"" and not w.isspace()]
    if not words:
        return None
    said_yes = any(w in _YES for w in words)
    said_no = any(w in _NO for w in words)
    known = all(w in _YES or w in _NO or w in _COURTESY for w in words)
    if not known:
        return None
    if said_yes and said_no:
        return "again"
    if said_yes:
        return "yes"
    if said_no:
        return "no"
    return None
