"""Invite codes: unguessable, URL-safe, stored only as a hash; and their deep links."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

# 16 random bytes = 128 bits (the issue asks for at least 96); token_urlsafe gives 22 chars,
# well inside Telegram's 64-character limit for a /start parameter.
CODE_BYTES = 16
# What Telegram allows in a deep-link start parameter.
_START_PARAMETER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True, kw_only=True)
class InviteCode:
    """A fresh code (shown once, to staff) and the hash that is all the database keeps."""

    code: str
    code_hash: str

    @classmethod
    def new(cls) -> InviteCode:
        code = secrets.token_urlsafe(CODE_BYTES)
        return cls(code=code, code_hash=hash_code(code))


def hash_code(code: str) -> str:
    """SHA-256 hex of the code: a leaked database does not leak usable codes."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def is_well_formed(code: str) -> bool:
    """Whether `code` could be a start parameter at all (cheap check before any lookup)."""
    return bool(_START_PARAMETER.match(code))


def deep_link(bot_username: str, code: str) -> str:
    """The link that opens the bot with `/start <code>`."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"
