"""Words that name no FAQ topic ("how long", "last", "session", "normal"): a keyword made
only of them weighs less than one with a topic word (core.faq)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from core.content import FaqEntry
from core.text_match import normalize

# A word in the keywords of this many entries names no one topic either.
GENERIC_SPREAD = 3
GENERIC_WORDS = frozenset({
    "a", "an", "the", "to", "of", "in", "on", "at", "for", "and", "or", "it", "its", "is",
    "are", "be", "do", "does", "did", "can", "could", "should", "will", "would", "i", "me",
    "my", "you", "your", "what", "when", "how", "why", "which", "who", "long", "last", "lasts",
    "lasting", "much", "many", "more", "next", "time", "times", "day", "days", "week", "weeks",
    "month", "months", "session", "sessions", "treatment", "after", "before", "again",
    "normal", "ok", "okay", "get", "have", "need", "take", "use", "go", "come", "see", "tell",
    "know", "face", "skin", "hair", "body", "area", "care", "doctor", "clinic", "this", "that",
    "there", "injection", "injections",
    "kya", "kab", "kaise", "kitne", "kitna", "kitni", "mein", "se", "ka", "ki", "ke",
    "hai", "hain", "hota", "hoga", "kare", "karna", "baad", "pehle", "din", "samay", "tak",
    "baar", "ho", "sakte", "sakti", "sakta", "chahiye",
    "क्या", "कब", "कैसे", "कितने", "कितना", "कितनी", "में", "से", "का", "की", "के", "है",
    "हैं", "होता", "होगा", "करें", "करना", "बाद", "पहले", "दिन", "सेशन", "समय", "तक", "बार",
    "ट्रीटमेंट", "सामान्य", "नॉर्मल", "इंजेक्शन",
})


def generic_words(entries: Sequence[FaqEntry]) -> frozenset[str]:
    """GENERIC_WORDS plus the words found in the keywords of GENERIC_SPREAD+ entries."""
    spread: defaultdict[str, set[int]] = defaultdict(set)
    for number, entry in enumerate(entries):
        for phrases in entry.keywords.values():
            for phrase in phrases:
                for token in normalize(phrase).split():
                    spread[token].add(number)
    wide = {word for word, owners in spread.items() if len(owners) >= GENERIC_SPREAD}
    return GENERIC_WORDS | wide
