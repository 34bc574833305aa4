"""The application's error handler: log what broke (never what was said), apologise."""

from __future__ import annotations

import contextlib
import logging
import traceback

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.context import CONTEXT_KEY
from core.texts.patient import t, ui_language
from services import onboarding
from services.context import AppContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the exception type, update id and stack only, and apologise to the user.

    The exception's message is left out on purpose: it can quote data (a label in a
    KeyError, a text in a ValueError). The stack's frames show code, never values.
    """
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    stack = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    log.error(
        "error while handling update %s: %s\n%s", update_id, type(error).__name__, stack
    )
    if isinstance(update, Update) and update.effective_chat is not None:
        language = await _language(update, context)
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                update.effective_chat.id, t("error_reply", language), parse_mode=None
            )


async def _language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The patient's language if the database answers, else their app's, else English."""
    ctx = context.bot_data.get(CONTEXT_KEY)
    if not isinstance(ctx, AppContext) or update.effective_chat is None:
        return ui_language(None)
    user = update.effective_user
    language = onboarding.language_for(ctx, user.language_code if user else None)
    try:  # the database may be what failed: then the app's language will do
        patient = await onboarding.patient_for_chat(ctx, update.effective_chat.id)
    except Exception as lookup_error:
        log.debug("event=error_reply_language_lookup_failed error=%s",
                  type(lookup_error).__name__)
    else:
        if patient is not None and patient.language:
            language = patient.language
    return ui_language(language)
