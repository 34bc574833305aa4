"""Protocol ids as staff type them: the exact id, a unique start of it, or a unique word of
it (`face` for `micro-mesotherapy-face`); a near miss is answered with "did you mean", never
taken for the protocol it resembles."""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass

MIN_PART = 3  # characters a start or a word must have to stand for a whole id
CLOSE_ENOUGH = 0.75  # difflib ratio of a typo to an id (or to a word of one)


@dataclass(frozen=True, kw_only=True)
class ProtocolLookup:
    """What a typed protocol id names: `found` (the id), else `suggestion` (a close id, for
    "did you mean"), else `candidates` (several ids it could be) or nothing."""

    found: str | None = None
    suggestion: str | None = None
    candidates: tuple[str, ...] = ()


def lookup_protocol(typed: str, ids: Collection[str]) -> ProtocolLookup:
    """The protocol `typed` stands for, among `ids` (case does not matter)."""
    given = typed.strip().lower()
    by_lower = {pid.lower(): pid for pid in ids}
    if given in by_lower:
        return ProtocolLookup(found=by_lower[given])
    if len(given) < MIN_PART:
        return ProtocolLookup()
    for matches in (
        sorted(pid for low, pid in by_lower.items() if low.startswith(given)),
        sorted(pid for low, pid in by_lower.items()
               if any(word.startswith(given) for word in low.split("-"))),
    ):
        if len(matches) == 1:
            return ProtocolLookup(found=matches[0])
        if matches:
            return ProtocolLookup(candidates=tuple(matches))
    return ProtocolLookup(suggestion=_closest(given, by_lower))


def _closest(given: str, by_lower: dict[str, str]) -> str | None:
    """The id nearest `given`, or the id one of whose words is nearest it, if close."""
    best, score = None, CLOSE_ENOUGH - 1e-9  # at least CLOSE_ENOUGH
    for low, pid in sorted(by_lower.items()):
        for part in (low, *low.split("-")):
            ratio = difflib.SequenceMatcher(None, given, part).ratio()
            if ratio > score:
                best, score = pid, ratio
    return best
