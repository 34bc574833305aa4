"""The fake Bot API's error answers, worded as Telegram's server words them."""

from __future__ import annotations

from testkit.fakes.bot_api_state import JSON


class ApiError(Exception):
    """An error answer: `{"ok": false, "error_code": code, "description": ...}`."""

    def __init__(self, code: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSON:
        """The JSON Telegram would answer with."""
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    """A 400 with Telegram's prefix."""
    return ApiError(400, f"Bad Request: {detail}")


def too_many(retry_after: float) -> ApiError:
    """A 429 carrying `retry_after` in its text and parameters, as Telegram sends it."""
    shown = int(retry_after) if float(retry_after).is_integer() else retry_after
    return ApiError(429, f"Too Many Requests: retry after {shown}", retry_after=shown)


# Telegram's wording for the forum and copy errors (telegram-bot-api and TDLib sources).
NOT_A_FORUM = "the chat is not a forum"
THREAD_NOT_FOUND = "message thread not found"
TOPIC_CLOSED = "TOPIC_CLOSED"
TOPIC_ID_INVALID = "TOPIC_ID_INVALID"
TOPIC_NOT_MODIFIED = "TOPIC_NOT_MODIFIED"
TOPIC_ID_MALFORMED = "invalid forum topic identifier specified"
NAME_EMPTY = "name must be non-empty"
ICON_COLOR_INVALID = "invalid icon color specified"
COPY_NOT_FOUND = "message to copy not found"
FORWARD_NOT_FOUND = "message to forward not found"
CANT_COPY = "the message can't be copied"
CANT_FORWARD = "the message can't be forwarded"
