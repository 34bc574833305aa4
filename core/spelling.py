"""How a word sounds, whatever its script or spelling: one key for "bukhar", "bukhaar",
"bukar" and "बुखार".

Patients write Hindi in Devanagari and in Latin letters, each with many spellings
("sujan", "soojan", "सूजन"; "nahi", "nhi", "nahin"). Listing every variant in the content
does not scale, and typo tolerance by edit distance cannot be given to short words
("pus" is not "puss"). So each word gets a *sound key*:

1. Devanagari is transliterated letter by letter from the Unicode character names
   ("DEVANAGARI LETTER KHA" -> "kh", "VOWEL SIGN AA" -> "aa"), with Hindi's schwa deletion
   (the inherent "a" is not said at a word's end, "दर्द" -> "dard", nor between a vowel'd
   syllable and the next one, "खुजली" -> "khujli").
2. The key folds what Hinglish spellings vary in: vowel length ("aa"/"a", "ee"/"i",
   "oo"/"u"), aspiration ("kh"/"k", "bh"/"b"), "w"/"v", "z"/"j", "ph"/"f", doubled letters
   ("chakkar"/"chakar"), a nasal before a consonant ("saans"/"saas").

Two words sound alike when their keys are equal, or, for keys of MIN_NEAR_KEY letters or
more, one letter apart (core.phrases uses this for the Hindi words of the content).
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Unicode names of Devanagari consonants ("KHA", "DDA", ...) as Hinglish writes them.
_CONSONANT_SPELLING = {
    "c": "ch", "ch": "chh", "tt": "t", "tth": "th", "dd": "d", "ddh": "dh", "nn": "n",
    "ss": "sh", "ny": "n", "ng": "n", "q": "k", "khh": "kh", "ghh": "gh", "dddh": "r",
    "rh": "r", "yy": "y", "nnn": "n", "rr": "r", "lll": "l", "ll": "l",
}
_VOWELS = {
    "a": "a", "aa": "aa", "i": "i", "ii": "ii", "u": "u", "uu": "uu", "vocalic r": "ri",
    "vocalic rr": "ri", "e": "e", "ai": "ai", "o": "o", "au": "au", "short e": "e",
    "short o": "o", "candra e": "e", "candra o": "o", "oe": "o", "ooe": "o", "aw": "au",
    "ue": "u", "uue": "u",
}
_MARKS = {"anusvara": "n", "candrabindu": "n", "visarga": "h"}


@functools.cache
def _devanagari(char: str) -> tuple[str, str] | None:
    """(kind, Latin) for a Devanagari character: kind is "c" consonant, "v" vowel letter,
    "m" vowel sign, "x" virama, "n" nasal or visarga, "d" digit; None to drop it."""
    try:
        name = unicodedata.name(char)
    except ValueError:
        return None
    if not name.startswith("DEVANAGARI "):
        return None
    name = name.removeprefix("DEVANAGARI ").lower()
    if name.startswith("letter "):
        letter = name.removeprefix("letter ")
        if letter in _VOWELS:
            return "v", _VOWELS[letter]
        if letter.endswith("a") and " " not in letter:
            stem = letter[:-1]
            return "c", _CONSONANT_SPELLING.get(stem, stem)
        return None
    if name.startswith("vowel sign "):
        return "m", _VOWELS.get(name.removeprefix("vowel sign "), "")
    if name == "sign virama":
        return "x", ""
    if name.startswith("sign ") and name.removeprefix("sign ") in _MARKS:
        return "n", _MARKS[name.removeprefix("sign ")]
    if name.startswith("digit "):
        return "d", str(unicodedata.digit(char))
    return None


def romanize(word: str) -> str:
    """A Devanagari word in Latin letters as Hinglish writes it ("बुखार" -> "bukhaar").
    Characters of other scripts pass through unchanged."""
    # Each syllable: [consonant cluster, vowel, vowel_is_inherent]
    syllables: list[list[str | bool]] = []
    out: list[str] = []
    for char in word:
        found = _devanagari(char)
        if found is None:
            if unicodedata.category(char)[0] == "M":
                continue  # nukta and other marks: no sound of their own here
            _flush(syllables, out)
            out.append(char)
            continue
        kind, latin = found
        if kind == "c":
            if syllables and syllables[-1][1] == "" and syllables[-1][2] is False:
                # after a virama: a cluster, which takes the inherent vowel again
                syllables[-1][0] = str(syllables[-1][0]) + latin
                syllables[-1][1], syllables[-1][2] = "a", True
            else:
                syllables.append([latin, "a", True])
        elif kind == "m":
            if syllables and syllables[-1][2]:
                syllables[-1][1], syllables[-1][2] = latin, False
            else:
                syllables.append(["", latin, False])
        elif kind == "x":
            if syllables:
                syllables[-1][1], syllables[-1][2] = "", False
        elif kind == "v":
            syllables.append(["", latin, False])
        elif kind == "n":
            if syllables:
                syllables[-1][1] = str(syllables[-1][1]) + latin
                syllables[-1][2] = False
            else:
                syllables.append(["", latin, False])
        else:  # a digit
            _flush(syllables, out)
            out.append(latin)
    _flush(syllables, out)
    return "".join(out)


def _flush(syllables: list[list[str | bool]], out: list[str]) -> None:
    """Hindi schwa deletion, then the syllables as text: the inherent "a" goes at the end
    of a word of two or more syllables, and in the middle where the syllable before has
    its own vowel and the one after starts with a consonant and has a vowel."""
    count = len(syllables)
    if count > 1 and syllables[-1][2]:
        syllables[-1][1] = ""
    for index in range(count - 2, 0, -1):
        here, before, after = syllables[index], syllables[index - 1], syllables[index + 1]
        if here[2] and before[1] and after[0] and after[1]:
            here[1] = ""
    out.extend(f"{consonants}{vowel}" for consonants, vowel, _ in syllables)
    syllables.clear()


_DIGRAPHS = (
    ("chh", "c"), ("ch", "c"), ("ph", "f"), ("sh", "s"), ("kh", "k"), ("gh", "g"),
    ("jh", "j"), ("th", "t"), ("dh", "d"), ("bh", "b"), ("rh", "r"), ("ck", "k"),
)
_LETTERS = str.maketrans({"w": "v", "z": "j", "q": "k", "x": "k"})
_VOWEL_FOLDS = (("aa", "a"), ("ee", "i"), ("ii", "i"), ("oo", "u"), ("uu", "u"),
                ("ai", "e"), ("ei", "e"), ("ae", "e"), ("au", "o"), ("ou", "o"))
_DOUBLED = re.compile(r"(.)\1+")
_NASAL = re.compile(r"n(?=[bcdfgjklmpqrstvz])")
_LATIN = re.compile(r"^[a-z]+$")
_FINAL_NASALS = frozenset("\u0901\u0902")  # candrabindu, anusvara
_HARD_C = re.compile(r"c(?!h)")  # "acne", "cold": a c that is not "ch" sounds as k
# Keys this long or longer also match a key one letter away ("kujli" ~ "kujali").
MIN_NEAR_KEY = 5


@functools.lru_cache(maxsize=65536)
def sound_key(word: str) -> str | None:
    """The sound key of a normalised word (core.text_match.normalize), or None when the
    word is neither Latin nor Devanagari letters (numbers, other scripts)."""
    devanagari = any("\u0900" <= char <= "\u097f" for char in word)
    latin = romanize(word) if devanagari else word
    if devanagari and word[-1] in _FINAL_NASALS and len(latin) > 2:
        latin = latin[:-1]  # "नहीं" is said like "nahi": the final nasal is no letter
    if not _LATIN.match(latin):
        return None
    key = _HARD_C.sub("k", latin)
    for pair, single in _DIGRAPHS:
        key = key.replace(pair, single)
    key = key.translate(_LETTERS)
    for pair, single in _VOWEL_FOLDS:
        key = key.replace(pair, single)
    key = _DOUBLED.sub(r"\1", key)
    key = _NASAL.sub("", key)
    if len(key) > 2 and key.endswith("h"):
        key = key[:-1]  # "nahih", "yeh"/"ye": a final h is rarely said
    return key or None


# English spellings as Hindi says the word: "infection" -> "infekshan" (इन्फेक्शन),
# "blister" -> "blistar" (ब्लिस्टर), "breathing" -> "breeding" (ब्रीदिंग).
_ENGLISH_SOUNDS = (
    (re.compile(r"[ts]ion$"), "shan"), (re.compile(r"ea"), "ee"),
    (re.compile(r"er(s?)$"), r"ar\1"), (re.compile(r"y$"), "i"),
    (re.compile(r"(?<=[aeiou])th(?=[aeiou])"), "d"),
)
MIN_LOAN_KEY = 5  # shorter keys meet Hindi words ("side" ~ "सीधे", "honey" ~ "होने")


def loan_key(word: str) -> str | None:
    """The sound key of an English word as it is written in Devanagari ("redness" and
    "रेडनेस", "bleeding" and "ब्लीडिंग"), when it is long enough to say so; else None."""
    for pattern, sound in _ENGLISH_SOUNDS:
        word = pattern.sub(sound, word)
    key = sound_key(word)
    return key if key is not None and len(key) >= MIN_LOAN_KEY else None
