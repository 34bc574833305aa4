"""Protocol ids as staff type them, by a table: the id, a unique start, a unique word
(`face`); several candidates are listed; a close typo is suggested, never taken."""

from __future__ import annotations

import pytest

from core.protocol_ids import ProtocolLookup, lookup_protocol

IDS = ("micro-mesotherapy-face", "micro-mesotherapy-hair")


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("micro-mesotherapy-face", ProtocolLookup(found="micro-mesotherapy-face")),
        ("Face", ProtocolLookup(found="micro-mesotherapy-face")),
        ("hair", ProtocolLookup(found="micro-mesotherapy-hair")),
        ("micro-mesotherapy-h", ProtocolLookup(found="micro-mesotherapy-hair")),
        ("micro", ProtocolLookup(candidates=IDS)),
        ("mesotherapy", ProtocolLookup(candidates=IDS)),
        ("micro-mesotherapy-fase", ProtocolLookup(suggestion="micro-mesotherapy-face")),
        ("hiar", ProtocolLookup(suggestion="micro-mesotherapy-hair")),
        ("botox", ProtocolLookup()),
        ("mi", ProtocolLookup()),
    ],
)
def test_lookup(typed: str, found: ProtocolLookup) -> None:
    """What a typed protocol id stands for."""
    assert lookup_protocol(typed, IDS) == found
