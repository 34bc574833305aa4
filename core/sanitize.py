"""Text from people, made safe to store and to show: control characters removed.

A NUL in a patient's message made PostgreSQL refuse the alert's row; other control
characters (backspace, escape, the bidirectional overrides) can disguise what staff read.
Line breaks and tabs stay.
"""

from __future__ import annotations

import re

# C0 controls but tab, line feed and carriage return; DEL; C1 controls; the Unicode
# bidirectional embedding/override/isolate characters.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """`text` without control characters (tabs and line breaks kept)."""
    return _CONTROL.sub("", text)


def clean_optional(text: str | None) -> str | None:
    return None if text is None else clean_text(text)
