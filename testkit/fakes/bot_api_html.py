"""Telegram's HTML parse mode as the fake Bot API checks it: allowed tags, balance, entities."""

from __future__ import annotations

import re

# Telegram's documented tags, with its aliases (strong = b, em = i, ...).
ALLOWED_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del",
        "a", "code", "pre", "tg-spoiler", "span", "tg-emoji", "blockquote",
    }
)
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)\s*(/?)>")
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);")
_SPECIAL = re.compile(r"[<>&]")


class HtmlError(ValueError):
    """The text is not valid Telegram HTML; the message is Telegram's wording."""


def visible_text(text: str) -> str:
    """Return what the user sees for `text` in HTML parse mode, or raise HtmlError.

    Strict like Telegram's documentation: every <, > and & that is not part of a tag
    or an entity must be escaped, so a missing html.escape() in the bot fails loudly.
    """
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while True:
        found = _SPECIAL.search(text, pos)
        if found is None:
            out.append(text[pos:])
            break
        start = found.start()
        out.append(text[pos:start])
        char = found.group()
        if char == "&":
            pos = _entity(text, start, out)
        elif char == ">":
            raise HtmlError(_where("Unexpected end of tag", text, start))
        else:
            pos = _tag(text, start, stack)
    if stack:
        raise HtmlError(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return "".join(out)


def _entity(text: str, start: int, out: list[str]) -> int:
    match = _ENTITY.match(text, start)
    if match is None:
        raise HtmlError(_where("Character '&' must be escaped", text, start))
    name = match.group(1)
    if name.startswith(("#x", "#X")):
        out.append(chr(int(name[2:], 16)))
    elif name.startswith("#"):
        out.append(chr(int(name[1:])))
    elif name in _NAMED_ENTITIES:
        out.append(_NAMED_ENTITIES[name])
    else:
        raise HtmlError(_where(f"Unsupported HTML entity \"&{name};\"", text, start))
    return match.end()


def _tag(text: str, start: int, stack: list[str]) -> int:
    match = _TAG.match(text, start)
    if match is None:
        raise HtmlError(_where("Unsupported start tag or unescaped '<'", text, start))
    closing, name, attributes, self_closing = match.groups()
    name = name.lower()
    if name not in ALLOWED_TAGS:
        raise HtmlError(_where(f"Unsupported start tag \"{name}\"", text, start))
    if self_closing:
        raise HtmlError(_where(f"Unsupported self-closing tag \"{name}\"", text, start))
    if closing:
        if not stack or stack[-1] != name:
            raise HtmlError(_where(f"Unexpected end tag \"{name}\"", text, start))
        stack.pop()
    else:
        if name == "a" and "href" not in attributes.lower():
            raise HtmlError(_where("Tag \"a\" must have attribute \"href\"", text, start))
        stack.append(name)
    return match.end()


def _where(problem: str, text: str, index: int) -> str:
    offset = len(text[:index].encode("utf-8"))
    return f"can't parse entities: {problem} at byte offset {offset}"
