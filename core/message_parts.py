"""A long text cut into the pieces Telegram accepts, measured as the reader sees it (not its
HTML), at paragraph, line or sentence boundaries, in order, nothing lost."""

from __future__ import annotations

import re

# Where a sentence ends: its mark (and closing quotes or brackets) before a space.
_SENTENCE_END = re.compile(r"[.!?।…][\"'”’)\]]*\s")


def utf16_length(text: str) -> int:
    """Length as Telegram counts its limits: UTF-16 code units (an emoji beyond the BMP
    counts two)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def _fits(text: str, budget: int) -> int:
    """How many characters of `text` fit in `budget` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > budget:
            return index
    return len(text)


def _cut(text: str, limit: int) -> int:
    """Where to end a piece of `text` that cannot hold more than `limit` characters: after
    the last paragraph break, else line break, else sentence end, else space, in the
    second half of what fits (else at the limit: one word longer than a message)."""
    window, half = text[: limit + 1], limit // 2  # one more: is the limit itself a boundary?
    for mark in ("\n\n", "\n"):
        found = window.rfind(mark)
        if half <= found <= limit:
            return found
    ends = [m.end() - 1 for m in _SENTENCE_END.finditer(window) if half <= m.end() - 1 <= limit]
    if ends:
        return ends[-1]
    space = max(window.rfind(" "), window.rfind("\t"))
    return space if space >= half else limit


def split_text(text: str, *, first: int, rest: int) -> list[str]:
    """`text` as pieces in order: the first at most `first` UTF-16 units, each later one at
    most `rest`; cut at boundaries (see `_cut`), whitespace at the cuts dropped. Every
    non-space character of `text` is in exactly one piece."""
    if first < 1 or rest < 1:
        raise ValueError("pieces need room")
    pieces: list[str] = []
    remaining = text.strip()
    budget = first
    while remaining:
        if utf16_length(remaining) <= budget:
            pieces.append(remaining)
            break
        fits = _fits(remaining, budget)
        end = _cut(remaining, fits) or fits
        piece = remaining[:end].rstrip()
        if piece:
            pieces.append(piece)
        remaining = remaining[end:].lstrip()
        budget = rest
    return pieces
