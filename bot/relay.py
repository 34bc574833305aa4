"""Relay: a staff reply in the alert chat to a bot alert goes back to that patient."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


def register(application: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    application.add_handler(
        MessageHandler(filters.REPLY & filters.ChatType.GROUPS, relay_reply), group=group
    )


async def relay_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    return None
