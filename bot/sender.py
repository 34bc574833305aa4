"""TelegramSender: delivery's Sender through PTB's Bot, with Telegram errors classified."""

from __future__ import annotations

import re
import warnings
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot import callbacks
from jobs.sender import (
    ChatUnreachable,
    OutgoingMessage,
    PermanentError,
    RetryLater,
    TransientError,
)

# Telegram echoes fragments of a bad message in quotes ("can't find end tag ... "b"").
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
# A network error could quote a request URL, and those carry the bot token.
_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")


def _summary(error: TelegramError) -> str:
    """Telegram's description without quoted fragments (message text) or a bot token."""
    return _TOKEN.sub("<token>", _QUOTED.sub("…", error.message))[:160]


def _seconds(error: RetryAfter) -> float:
    """RetryAfter's wait in seconds, whether PTB hands it out as int or timedelta.

    PTB 22.2+ warns that the int form is deprecated unless PTB_TIMEDELTA is set; we
    accept both forms, so the warning tells us nothing.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    """Sends outbox messages with `bot.send_message`.

    Texts in the outbox are already safe HTML (the conversation layer escapes content when
    it plans a message), so they go out with parse_mode HTML unchanged; staff alerts are
    composed as safe HTML too. Button labels are plain text (Telegram does not parse them).
    """

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @staticmethod
    def keyboard(message: OutgoingMessage) -> InlineKeyboardMarkup | None:
        """One button per row for a check-in's options; None for other messages."""
        if message.kind != "checkin" or not message.options:
            return None
        rows = []
        for option_id, label in message.options:
            data = callbacks.checkin(message.message_id, option_id)
            if not callbacks.fits(data):
                raise PermanentError(f"check-in option id too long for callback_data ({data!r})")
            rows.append([InlineKeyboardButton(text=label, callback_data=data)])
        return InlineKeyboardMarkup(rows)

    async def send(self, message: OutgoingMessage) -> int:
        markup = self.keyboard(message)
        try:
            sent = await self.bot.send_message(
                chat_id=message.chat_id,
                text=message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        except RetryAfter as error:
            raise RetryLater(_seconds(error)) from None
        except Forbidden as error:
            raise ChatUnreachable(f"Forbidden: {_summary(error)}") from None
        except ChatMigrated as error:
            # A group moved to a supergroup: the stored chat id is wrong for good.
            raise PermanentError(f"ChatMigrated: {_summary(error)}") from None
        except BadRequest as error:  # before NetworkError: BadRequest subclasses it
            raise PermanentError(f"BadRequest: {_summary(error)}") from None
        except NetworkError as error:  # TimedOut included; also 5xx answers
            raise TransientError(f"{type(error).__name__}: {_summary(error)}") from None
        except InvalidToken as error:
            # Every message would fail alike; retrying keeps them until the token is fixed
            # or attempts run out, rather than failing the whole outbox at once.
            raise TransientError(f"InvalidToken: {_summary(error)}") from None
        except TelegramError as error:
            raise TransientError(f"{type(error).__name__}: {_summary(error)}") from None
        return sent.message_id
