"""Edited messages never run anything again: an edited /enroll, /cancel or relayed reply
would otherwise create a second patient or reach the patient twice."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, MessageHandler, filters

from bot.context import app_context
from bot.staff_access import reply, user_id_of
from core.texts import staff as T
from services.access import is_staff

# Before every other group (the staff gate and relay run at -1).
EDITS_GROUP = -2


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(
        MessageHandler(filters.UpdateType.EDITED, edited), group=EDITS_GROUP
    )


async def edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop the edit here; staff who edited a command or a reply are told to send it again.

    Patients' edits are not answered: their messages are read when sent, and an edited
    command of theirs (/stop, /forget) asks for confirmation anyway when sent anew.
    """
    message = update.effective_message
    if message is not None and (
        (message.text or "").startswith("/") or message.reply_to_message is not None
    ) and await is_staff(app_context(context), user_id_of(update)):
        await reply(update, T.EDIT_NOT_APPLIED)
    raise ApplicationHandlerStop
