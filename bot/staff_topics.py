"""Whether the staff chat is a forum supergroup (topics on), asked of Telegram once per
process (getChat, at start-up; again later if that failed) and kept in bot_data.

When it is, each patient's case traffic goes to a topic of their own; the topic itself is
made by delivery from a TOPIC_OPEN outbox row (services/staff_alerts.py), at the group's
pace, so a handler never waits on Telegram for it. On erasure the topic is renamed to the
bare id and closed (storage/patient_data.py).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot
from telegram.ext import Application, CallbackContext

from services.context import AppContext
from services.staff_alerts import StaffChatIsForum

log = logging.getLogger(__name__)
FORUM_KEY = "staff_chat_is_forum"  # bot_data: whether the staff chat is a forum (asked once)


async def staff_chat_is_forum(bot: Bot, ctx: AppContext, bot_data: dict[Any, Any]) -> bool:
    """Whether the staff chat has topics on (asked once; a failure is asked again later)."""
    chat_id = ctx.settings.staff.alert_chat_id
    if chat_id is None:
        return False
    known = bot_data.get(FORUM_KEY)
    if isinstance(known, bool):
        return known
    try:
        chat = await bot.get_chat(chat_id)
    except Exception as error:  # never in the way of a case: no topic, the chat itself
        log.warning("topics: could not read the staff chat (%s)", type(error).__name__)
        return False
    bot_data[FORUM_KEY] = bool(chat.is_forum)
    return bool(chat.is_forum)


async def learn_staff_chat(application: Application[Any, Any, Any, Any, Any, Any],
                           ctx: AppContext) -> None:
    """At start-up: ask once, so no patient's message waits for the answer."""
    if await staff_chat_is_forum(application.bot, ctx, application.bot_data):
        log.info("topics: the staff chat is a forum; each patient gets a topic")


def forum_check(context: CallbackContext[Any, Any, Any, Any], ctx: AppContext
                ) -> StaffChatIsForum:
    """The `StaffChatIsForum` of services.staff_alerts for this bot."""
    bot, bot_data = context.bot, context.application.bot_data

    async def is_forum() -> bool:
        return await staff_chat_is_forum(bot, ctx, bot_data)

    return is_forum
