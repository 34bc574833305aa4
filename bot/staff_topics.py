"""A forum topic per patient in the staff chat: made on their first case, named by id, label
and procedure (on erasure renamed to the bare id and closed: storage/patient_data.py).

Used only when the staff chat is a forum (topics on); Telegram is asked once per process
(getChat) and the answer kept. When a topic cannot be made (no right to manage topics, a
flood limit) the posts go to the chat itself: nothing waits on a topic.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Bot
from telegram.ext import CallbackContext

from core.texts.alerts import topic_name
from services.context import AppContext
from services.staff_alerts import AlertRequest, TopicFor
from storage.repositories import Store

log = logging.getLogger(__name__)
FORUM_KEY = "staff_chat_is_forum"  # bot_data: whether the staff chat is a forum (asked once)
LOCKS_KEY = "staff_topic_locks"  # bot_data: one lock per patient, so one topic per patient


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


def topic_maker(context: CallbackContext[Any, Any, Any, Any], ctx: AppContext) -> TopicFor:
    """The `TopicFor` of services.staff_alerts for this bot."""
    bot = context.bot
    bot_data = context.application.bot_data

    async def topic_for(request: AlertRequest) -> int | None:
        patient = request.patient
        if not await staff_chat_is_forum(bot, ctx, bot_data):
            return None
        locks: dict[int, asyncio.Lock] = bot_data.setdefault(LOCKS_KEY, {})
        async with locks.setdefault(patient.id, asyncio.Lock()):
            async with Store(ctx.sessions) as store:
                current = await store.patients.get(patient.id)
            if current is not None and current.staff_topic_id is not None:
                return current.staff_topic_id
            enrollment = request.enrollment
            protocol = ctx.content.protocols.get(enrollment.protocol_id) if enrollment else None
            procedure = (
                protocol.name.get("en", ctx.settings.clinic.default_language) if protocol else None
            )
            name = topic_name(patient.id, patient.label, procedure)
            chat_id = ctx.settings.staff.alert_chat_id
            assert chat_id is not None
            try:
                topic = await bot.create_forum_topic(chat_id, name)
            except Exception as error:  # never in the way of a case: posts go to the chat
                log.warning("topics: no topic for patient %d (%s); posting in the chat",
                            patient.id, type(error).__name__)
                return None
            async with Store(ctx.sessions) as store:
                await store.patients.set_staff_topic(patient.id, int(topic.message_thread_id))
            thread = int(topic.message_thread_id)
            log.info("topics: patient %d has topic %d", patient.id, thread)
            return thread

    return topic_for
