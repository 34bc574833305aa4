"""Text normalisation shared by FAQ matching and red-flag triage (Latin and Devanagari)."""

from __future__ import annotations

import functools
import re
import string
import unicodedata

# Devanagari spellings patients use interchangeably: the nukta (क़ = क + ़) is often left
# out on phone keyboards, and chandrabindu (ँ) is commonly typed as anusvara (ं).
_DEVANAGARI_NUKTA = "\u093c"
_FOLDS = str.maketrans({_DEVANAGARI_NUKTA: None, "\u0901": "\u0902"})

# Zero-width joiners shape Indic conjuncts but carry no meaning; dropping them (rather
# than turning them into spaces) keeps the word whole.
_INVISIBLE = frozenset({"\u200c", "\u200d", "\u200b", "\u2060", "\ufeff", "\u00ad"})

# Apostrophes join ("don't" -> "dont"); every other non-word character separates words.
_JOINERS = frozenset({"'", "\u2019", "\u02bc"})
# ASCII after lower(): letters and digits stay, the apostrophe goes, the rest separates
# (one bytes.translate, ~5x quicker than two regex substitutions on a long message).
_ASCII_WORDS = bytes(
    byte if chr(byte) in string.ascii_lowercase + string.digits else ord(" ")
    for byte in range(256)
)


def _is_word_char(char: str) -> bool:
    # Letters, digits and combining marks. Marks matter: Devanagari vowel signs (ि, ु, ा)
    # are category M, so a rule based on `str.isalnum` or regex `\w` (and so `\b`) would
    # cut "बुखार" into "ब", "ख", "र".
    return unicodedata.category(char)[0] in "LNM"


def normalize(text: str) -> str:
    """Lowercase, NFKC, Devanagari folds, punctuation and emoji to spaces, spaces collapsed."""
    if text.isascii():  # the common case, ~10x faster than the per-character path
        return " ".join(
            text.lower().encode("ascii").translate(_ASCII_WORDS, b"'").decode("ascii").split())
    return normalize_unicode(text)


@functools.cache
def _word_runs() -> re.Pattern[str]:
    """Runs of letters, digits and combining marks of the Basic Multilingual Plane.

    Built once (about 25 ms): Python's regex has no class for marks, and a loop over
    characters in Python costs ~0.5 µs each, too slow for long messages."""
    marks = [chr(c) for c in range(0x300, 0x10000) if unicodedata.category(chr(c))[0] == "M"]
    ranges: list[str] = []
    for char in marks:
        if ranges and ord(char) == ord(ranges[-1][-1]) + 1:
            ranges[-1] = ranges[-1][0] + char
        else:
            ranges.append(char)
    marks_class = "".join(
        re.escape(run[0]) + ("-" + re.escape(run[-1]) if len(run) > 1 else "") for run in ranges
    )
    # \w is letters, digits and "_"; "_" separates words and is made a space first
    # (_REPLACED): one class, ~2x quicker than "(?:[^\W_]|[marks])+".
    return re.compile(f"[\\w{marks_class}]+")


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# Dropped before splitting (a letter among them, "ʼ", stays a letter, as it always did),
# folded (_FOLDS), and "_" made a space. A few str.replace calls, each only when the
# character is there: str.translate with a table looks every character up (~30x slower).
_REPLACED = (
    *((char, "") for char in sorted(_INVISIBLE | _JOINERS) if not _is_word_char(char)),
    *((chr(code), folded or "") for code, folded in sorted(_FOLDS.items())),
    ("_", " "),
)


def normalize_unicode(text: str) -> str:
    """`normalize` for any script (the ASCII path must agree with it)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    for char, replacement in _REPLACED:
        if char in folded:
            folded = folded.replace(char, replacement)
    if _ASTRAL.search(folded) is None:
        return " ".join(_word_runs().findall(folded))
    if not any(_is_word_char(char) for char in _ASTRAL.findall(folded)):
        # Emoji beyond the Basic Multilingual Plane separate words like punctuation does.
        return " ".join(_word_runs().findall(_ASTRAL.sub(" ", folded)))
    return _normalize_slowly(folded)


def _normalize_slowly(folded: str) -> str:
    """Character by character, for text beyond the Basic Multilingual Plane."""
    chars: list[str] = []
    for char in folded:
        if _is_word_char(char):
            chars.append(char)
        elif char in _INVISIBLE or char in _JOINERS:
            continue
        else:
            chars.append(" ")
    return " ".join("".join(chars).split())


def words(text: str) -> list[str]:
    """The normalised words of `text`, in order."""
    return normalize(text).split()
