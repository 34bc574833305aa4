"""Telegram Mini App sign-in: verifying the `initData` a Mini App is opened with.

Telegram signs it with the bot token (core.telegram.org/bots/webapps, "Validating data
received via the Mini App"): secret_key = HMAC-SHA256(key="WebAppData", msg=bot_token);
hash = hex HMAC-SHA256(key=secret_key, msg=data_check_string), where data_check_string is
every received field except `hash`, sorted by key, as `key=value` joined by newlines.
`auth_date` (Unix seconds) says when it was signed: older than the allowed age is refused,
so a copy of old initData signs nobody in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from core.clock import require_aware
from services.config import TELEGRAM_ID_LIMIT

MAX_INIT_DATA = 4096  # Telegram's initData is well under this; longer is not Telegram's
_HEX_HASH = re.compile(r"[0-9a-fA-F]{64}")  # a hex SHA-256, ASCII only
_DATE = re.compile(r"[0-9]{1,12}")  # Unix seconds in ASCII digits (not "²" or "١٢")
FUTURE_SKEW = timedelta(minutes=5)  # clocks differ; a signature from further ahead is forged


class InitDataError(ValueError):
    """initData that signs nobody in; `reason` is a short code safe to log and audit."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # malformed | no_hash | bad_hash | no_date | stale | future | no_user


@dataclass(frozen=True, kw_only=True)
class WebAppUser:
    """Who opened the Mini App, as Telegram vouches for it."""

    user_id: int
    signed_at: datetime
    name: str = ""  # first and last name, as Telegram gives them
    username: str | None = None


def _secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode("utf-8"), hashlib.sha256).digest()


def _check_string(fields: Mapping[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def signature(fields: Mapping[str, str], bot_token: str) -> str:
    """The hex `hash` Telegram puts on these fields (tests and the fake use it to sign)."""
    return hmac.new(
        _secret_key(bot_token), _check_string(fields).encode("utf-8"), hashlib.sha256
    ).hexdigest()


def sign_init_data(fields: Mapping[str, str], bot_token: str) -> str:
    """initData as Telegram would send it: the fields plus their hash, URL-encoded."""
    return urlencode({**fields, "hash": signature(fields, bot_token)})


def verify_init_data(
    init_data: str, bot_token: str, *, now: datetime, max_age: timedelta
) -> WebAppUser:
    """The user the initData was signed for; InitDataError when it is not genuine and fresh.

    The hash is compared in constant time before anything in the data is believed. Every
    field is checked for the shape Telegram gives it before it is used (a `hash` of 64 hex
    digits, an `auth_date` of ASCII digits a date can have, a `user` object with an id a
    Telegram user can have), so malformed data of any kind is refused, never an error.
    """
    require_aware(now, "now")
    if not init_data or len(init_data) > MAX_INIT_DATA:
        raise InitDataError("malformed")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError("malformed") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("malformed")  # a repeated key: not what Telegram sends
    given = fields.get("hash", "")
    if not given:
        raise InitDataError("no_hash")
    if not _HEX_HASH.fullmatch(given):
        raise InitDataError("bad_hash")  # e.g. non-ASCII: compare_digest would refuse it
    if not hmac.compare_digest(signature(fields, bot_token), given.lower()):
        raise InitDataError("bad_hash")
    raw_date = fields.get("auth_date", "")
    if not _DATE.fullmatch(raw_date):
        raise InitDataError("no_date")
    try:
        signed_at = datetime.fromtimestamp(int(raw_date), UTC)
    except (OverflowError, OSError, ValueError):
        raise InitDataError("no_date") from None
    if signed_at > now + FUTURE_SKEW:
        raise InitDataError("future")
    if now - signed_at > max_age:
        raise InitDataError("stale")
    try:
        user = json.loads(fields.get("user", ""))
        user_id = user["id"]
    except (ValueError, TypeError, KeyError, RecursionError):
        raise InitDataError("no_user") from None
    if (not isinstance(user_id, int) or isinstance(user_id, bool)
            or not 0 < user_id < TELEGRAM_ID_LIMIT):
        raise InitDataError("no_user")
    name = " ".join(str(user.get(part) or "") for part in ("first_name", "last_name")).strip()
    username = user.get("username")
    return WebAppUser(user_id=user_id, signed_at=signed_at, name=name[:128],
                      username=username[:64] if isinstance(username, str) and username else None)
