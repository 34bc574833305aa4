"""TelegramSender: delivery's Sender through PTB's Bot, with Telegram errors classified."""

from __future__ import annotations

import contextlib
import re
import warnings
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
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
from bot.staff_cases import case_keyboard
from core.statuses import EscalationStatus, MessageKind
from jobs.sender import (
    ChatUnreachable,
    OutgoingMessage,
    PermanentError,
    Posted,
    RetryLater,
    TransientError,
)

# Telegram echoes fragments of a bad message in quotes ("can't find end tag ... "b"").
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
# A network error could quote a request URL, and those carry the bot token.
_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")
# Telegram's answers when a forum topic is closed, deleted or unknown.
_TOPIC_GONE = re.compile(r"thread not found|TOPIC_(CLOSED|DELETED|ID_INVALID)", re.IGNORECASE)
# ... when the message to erase or delete is not there any more (someone deleted it): done.
_MESSAGE_GONE = re.compile(r"message to (edit|delete) not found|MESSAGE_ID_INVALID",
                           re.IGNORECASE)


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
        """A check-in's, confirmation's or recall's options, one per row; an outcome
        question's 1-5 in one row; a case card's buttons; a staff question's buttons (its
        options are (callback data, label), in one row); None for the rest."""
        if message.kind in (MessageKind.CARD, MessageKind.CARD_EDIT) and message.case_id:
            # The status now (read at claim): a card of a case someone already has shows
            # no Acknowledge; a resolved one no buttons.
            return case_keyboard(message.case_id, message.case_status or EscalationStatus.OPEN)
        if message.kind == MessageKind.POST and message.options:
            return InlineKeyboardMarkup([[
                InlineKeyboardButton(text=label, callback_data=data)
                for data, label in message.options if callbacks.fits(data)]])
        if message.kind not in MessageKind.ANSWERED or not message.options:
            return None
        buttons = []
        for option_id, label in message.options:
            data = callbacks.checkin(message.message_id, option_id)
            if not callbacks.fits(data):
                raise PermanentError(f"check-in option id too long for callback_data ({data!r})")
            buttons.append(InlineKeyboardButton(text=label, callback_data=data))
        if message.kind == MessageKind.OUTCOME:
            return InlineKeyboardMarkup([buttons])
        return InlineKeyboardMarkup([[button] for button in buttons])

    async def send(self, message: OutgoingMessage) -> int | Posted:
        try:
            try:
                return await self._send(message, message.thread_id)
            except BadRequest as error:
                if (message.thread_id is None
                        or message.kind in (MessageKind.TOPIC_CLOSE, MessageKind.TOPIC_OPEN)
                        or not _TOPIC_GONE.search(error.message)):
                    raise
                # The patient's topic was closed or deleted by hand: the post still goes
                # to the chat (its General topic) rather than being lost.
                return await self._send(message, None)
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

    async def _close_topic(self, chat_id: int, thread_id: int, name: str) -> None:
        """Rename and close a topic; what is already so is not an error."""
        for step in (
            self.bot.edit_forum_topic(chat_id, thread_id, name=name),
            self.bot.close_forum_topic(chat_id, thread_id),
        ):
            try:
                await step
            except BadRequest as error:
                if "not_modified" not in error.message.lower().replace(" ", "_"):
                    raise

    async def _erase(self, message: OutgoingMessage) -> int:
        """A post about an erased patient: edited to the erased text (its buttons gone), or
        for a copy of their media deleted. A message already gone counts as done; one
        Telegram will not delete (older than 48 hours) loses its caption, and is reported
        as left (a PermanentError: the erasure lists what failed)."""
        assert message.reply_to is not None
        try:
            if message.kind == MessageKind.ERASE:
                await self.bot.edit_message_text(
                    message.text, chat_id=message.chat_id, message_id=message.reply_to,
                    parse_mode=ParseMode.HTML, reply_markup=None,
                )
            else:
                await self.bot.delete_message(message.chat_id, message.reply_to)
        except BadRequest as error:
            text = error.message.lower()
            if _MESSAGE_GONE.search(text) or "not modified" in text:
                return message.reply_to
            if message.kind == MessageKind.DELETE and "can't be deleted" in text:
                await self._erase_caption(message)
            raise
        return message.reply_to

    async def _erase_caption(self, message: OutgoingMessage) -> None:
        """What is left of a copy Telegram will not delete: at least not the caption."""
        assert message.reply_to is not None
        # No caption to remove (a voice note without one), or not editable either: as it is.
        with contextlib.suppress(BadRequest):
            await self.bot.edit_message_caption(
                chat_id=message.chat_id, message_id=message.reply_to, caption=None)

    async def _send(self, message: OutgoingMessage, thread_id: int | None) -> int | Posted:
        if message.kind in (MessageKind.ERASE, MessageKind.DELETE) and message.reply_to:
            return await self._erase(message)
        reply = (
            None if message.reply_to is None
            else ReplyParameters(message.reply_to, allow_sending_without_reply=True)
        )
        if message.kind == MessageKind.CARD_EDIT and message.reply_to is not None:
            try:
                await self.bot.edit_message_text(
                    message.text, chat_id=message.chat_id, message_id=message.reply_to,
                    parse_mode=ParseMode.HTML, reply_markup=self.keyboard(message),
                )
            except BadRequest as error:
                if "not modified" not in error.message.lower():
                    raise  # the card already shows it (the bot's button edited it): done
            return message.reply_to
        if message.kind == MessageKind.TOPIC_OPEN:
            # A patient's forum topic (services/staff_alerts.py): its id is the outcome.
            topic = await self.bot.create_forum_topic(message.chat_id, name=message.text)
            return int(topic.message_thread_id)
        if message.kind == MessageKind.TOPIC_CLOSE and thread_id is not None:
            await self._close_topic(message.chat_id, thread_id, message.text)
            return thread_id
        if message.kind == MessageKind.COPY and message.copy_from is not None:
            # The patient's photo, voice note or document, by reference: nothing downloaded.
            if message.copy_more:
                # An album: its messages copied together, and it stays an album.
                ids = sorted({message.copy_from[1], *message.copy_more})
                copies = await self.bot.copy_messages(
                    chat_id=message.chat_id, from_chat_id=message.copy_from[0],
                    message_ids=ids, message_thread_id=thread_id,
                )
                return Posted(message_ids=tuple(c.message_id for c in copies))
            copied = await self.bot.copy_message(
                chat_id=message.chat_id, from_chat_id=message.copy_from[0],
                message_id=message.copy_from[1], message_thread_id=thread_id,
                reply_parameters=reply, caption=message.caption,
                parse_mode=ParseMode.HTML if message.caption is not None else None,
            )
            return copied.message_id
        sent = await self.bot.send_message(
            chat_id=message.chat_id,
            text=message.text,
            parse_mode=ParseMode.HTML,
            reply_markup=self.keyboard(message),
            message_thread_id=thread_id,
            reply_parameters=reply,
        )
        return sent.message_id
