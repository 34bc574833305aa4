"""HTML-safe text for Telegram: escaping and fitting replies into Telegram's limits."""

from __future__ import annotations

import html
import re

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
ELLIPSIS = "…"

# Tags Telegram's HTML parse mode accepts; a cut must not leave one of these open.
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*)?>")


def escape(text: object) -> str:
    """`text` made safe for an HTML message: <, >, & and quotes become entities."""
    return html.escape(str(text), quote=True)


def fit(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """`text` if it fits, else cut (on a line boundary when possible) and ended with "…"."""
    if len(text) <= limit:
        return text
    budget = limit - len(ELLIPSIS)
    # Closing tags added after the cut need room too; reserve it up front.
    for _ in range(8):
        head = _cut(text, budget)
        closers = _closers(head)
        if len(head) + len(closers) + len(ELLIPSIS) <= limit:
            return head.rstrip() + closers + ELLIPSIS if head.strip() else ELLIPSIS
        budget -= len(closers)
    return ELLIPSIS


def fit_caption(text: str, limit: int = CAPTION_LIMIT) -> str:
    """A photo caption cut to Telegram's caption limit."""
    return fit(text, limit)


def chunks(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`text` split into messages of at most `limit` characters, on line boundaries.

    A single line longer than `limit` is fitted (cut with "…") on its own.
    """
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        if len(line) > limit:
            line = fit(line, limit)
        extra = len(line) + (1 if current else 0)
        if current and size + extra > limit:
            parts.append("\n".join(current))
            current, size = [], 0
            extra = len(line)
        current.append(line)
        size += extra
    if current and any(piece for piece in current):
        parts.append("\n".join(current))
    return parts or [""]


def _cut(text: str, budget: int) -> str:
    """The longest prefix within `budget`, preferring a line end, never inside a tag/entity."""
    head = text[:budget]
    newline = head.rfind("\n")
    if newline >= budget // 2:
        return head[:newline]
    # No usable line end: cut mid-line, but step back out of a half-written tag or entity.
    lt, gt = head.rfind("<"), head.rfind(">")
    if lt > gt:
        head = head[:lt]
    amp, semi = head.rfind("&"), head.rfind(";")
    if amp > semi and len(head) - amp <= 10:
        head = head[:amp]
    return head


def _closers(head: str) -> str:
    """Closing tags for the tags left open in `head`, innermost first."""
    stack: list[str] = []
    for match in _TAG.finditer(head):
        closing, name = match.group(1), match.group(2).lower()
        if not closing:
            stack.append(name)
        elif name in stack:
            # Drop everything above the matching opener (tolerates sloppy nesting).
            del stack[len(stack) - 1 - stack[::-1].index(name) :]
    return "".join(f"</{name}>" for name in reversed(stack))
