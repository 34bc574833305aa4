"""Noting who staff are by name: every update from a staff member, or from anyone in the
staff chat, records their Telegram name and @username before any handler acts on it, so
a card edited by their button press already names them (services/staff_directory.py)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update, User
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.context import app_context
from services.access import is_staff
from services.context import AppContext
from services.staff_directory import note_user

log = logging.getLogger(__name__)
# A group of its own before every other (edits -2, the staff gate and relay -1): in one
# group only the first matching handler runs, and the name is stored before any acts.
NAMES_GROUP = -3


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(TypeHandler(Update, note_staff_name, block=True), group=NAMES_GROUP)


async def note_staff_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or user.is_bot:
        return
    ctx = app_context(context)
    in_staff_chat = chat is not None and chat.id == ctx.settings.staff.alert_chat_id
    try:
        if in_staff_chat or await is_staff(ctx, user.id):
            await remember(ctx, user)
    except Exception as error:  # a name is a nicety: never in the way of the update
        log.warning("event=staff_name_not_noted error=%s", type(error).__name__)


async def remember(ctx: AppContext, user: User) -> None:
    """Note this user's name and @username (no log line: names are personal data)."""
    await note_user(ctx, user_id=user.id, name=user.full_name, username=user.username,
                    now=ctx.clock.now())
