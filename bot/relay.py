"""Relay: staff answer a patient from the staff chat.

Two ways in: writing in the patient's forum topic (when the staff chat is a forum), or
replying to one of the bot's posts of a case (a card, a joined message, a copied photo, a
re-alert) anywhere in the chat. A line starting with `!` stays internal: a note for
colleagues, never sent. Commands (`/cases` in a topic) are not relayed. Only staff may
answer; anyone else is refused and audited, and nothing reaches the patient.

A relayed answer acknowledges the patient's open case (the ladder stops), and in a chat
without topics it becomes the message the patient's next messages are threaded under.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telegram import Message, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.context import app_context
from bot.formatting import escape, fit
from core.texts import patient as patient_texts
from core.texts import staff as T
from services.cases import redraw_card
from services.context import AppContext
from services.staff_admin import audit, is_staff
from storage.repositories import Store

log = logging.getLogger(__name__)
RELAY_EFFECT = "relay"  # inbound_updates.effect: this staff reply was sent to the patient
ACTION = "relay"
NOTE_MARK = "!"  # a line starting with this stays in the staff chat


def register(application: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """New messages in group chats; the handler itself checks it is the staff chat and that
    the message answers a patient (their topic, or a reply to a case post)."""
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.UpdateType.MESSAGE, relay_reply),
        group=group,
    )


@dataclass(frozen=True, kw_only=True)
class Target:
    """Whom a staff message answers: the patient, their unresolved case (if any), the topic."""

    patient_id: int | None
    case_id: int | None
    thread_id: int | None


async def _target(ctx: AppContext, message: Message, bot_id: int) -> Target | None:
    """The patient a staff-chat message answers, or None when it answers nobody."""
    thread = message.message_thread_id if message.is_topic_message else None
    async with Store(ctx.sessions) as store:
        if thread is not None:
            patient = await store.patients.by_staff_topic(thread)
            if patient is not None:
                case = await store.escalations.unresolved_for(patient.id)
                return Target(patient_id=patient.id, case_id=case.id if case else None,
                              thread_id=thread)
        original = message.reply_to_message
        if original is None or original.from_user is None or original.from_user.id != bot_id:
            return None  # a reply to a colleague, not to one of our posts
        case = await store.escalations.by_alert_message(message.chat.id, original.message_id)
    if case is None:
        return None  # a reply to some other bot message (stats, help...): not for a patient
    return Target(patient_id=case.patient_id, case_id=case.id, thread_id=thread)


async def relay_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = app_context(context)
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or chat.id != ctx.settings.staff.alert_chat_id:
        return
    if message.text is not None and message.text.startswith("/"):
        return  # a command (/cases, /case 12): the staff handlers answer it
    target = await _target(ctx, message, context.bot.id)
    if target is None:
        return
    # From here on the update is ours: the patient handlers must not see it.
    user_id = message.from_user.id if message.from_user else None
    where = f"patient:{target.patient_id}" if target.case_id is None else (
        f"escalation:{target.case_id}"
    )
    if not await is_staff(ctx, user_id):
        await audit(ctx, actor_id=user_id, action=ACTION, outcome="refused", target=where)
        await _say(context, ctx, target, T.RELAY_REFUSED)
        raise ApplicationHandlerStop
    if message.text is not None and message.text.lstrip().startswith(NOTE_MARK):
        raise ApplicationHandlerStop  # an internal note: stays where it is
    if not message.text:
        await audit(ctx, actor_id=user_id, action=ACTION, outcome="invalid", target=where,
                    detail="not text")
        await _say(context, ctx, target, T.RELAY_EMPTY)
        raise ApplicationHandlerStop
    await _deliver(ctx, context, target, message.text, user_id, update_id=update.update_id,
                   staff_message_id=message.message_id)
    raise ApplicationHandlerStop


async def _say(
    context: ContextTypes.DEFAULT_TYPE, ctx: AppContext, target: Target, text: str
) -> None:
    """A short answer to staff, in the topic when there is one; a failure is only logged
    (the staff message stays where it is, and nothing about the patient is lost)."""
    chat = ctx.settings.staff.alert_chat_id
    assert chat is not None
    try:
        await context.bot.send_message(chat, text, message_thread_id=target.thread_id)
    except TelegramError as error:
        log.warning("relay: staff notice not sent (%s)", type(error).__name__)


async def _deliver(
    ctx: AppContext,
    context: ContextTypes.DEFAULT_TYPE,
    target: Target,
    text: str,
    staff_id: int | None,
    *,
    update_id: int,
    staff_message_id: int,
) -> None:
    where = f"escalation:{target.case_id}" if target.case_id else f"patient:{target.patient_id}"
    async with Store(ctx.sessions) as store:
        if await store.inbound.effect_of(update_id) == RELAY_EFFECT:
            # A replay after a crash: the reply went (or was going) out once; never twice.
            await _say(context, ctx, target,
                       T.RELAY_ALREADY.format(patient_id=target.patient_id))
            return
        patient = None if target.patient_id is None else await store.patients.get(
            target.patient_id
        )
    if patient is None or patient.chat_id is None or patient.status != "active":
        await audit(ctx, actor_id=staff_id, action=ACTION, outcome="refused", target=where,
                    detail=f"patient:{target.patient_id} unreachable")
        await _say(context, ctx, target,
                   T.RELAY_UNDELIVERABLE.format(patient_id=target.patient_id or "?"))
        return
    prefix = patient_texts.t("reply_from_clinic", patient.language, clinic=ctx.settings.clinic.name)
    async with Store(ctx.sessions) as store:
        await store.inbound.record_effect(update_id, RELAY_EFFECT)
        if target.case_id is not None:
            # Before the send: the patient may answer the moment it arrives, and their
            # answer is threaded under this staff message.
            await store.escalations.set_staff_reply(target.case_id, staff_message_id)
    try:
        await context.bot.send_message(patient.chat_id, fit(prefix + escape(text)))
    except TelegramError as error:
        reason = "blocked" if isinstance(error, Forbidden) else type(error).__name__
        await audit(ctx, actor_id=staff_id, action=ACTION, outcome="error", target=where,
                    detail=f"patient:{patient.id} {reason}")
        await _say(context, ctx, target,
                   T.RELAY_FAILED.format(patient_id=patient.id, reason=escape(reason)))
        return
    now = ctx.clock.now()
    acknowledged = None
    async with Store(ctx.sessions) as store:
        if target.case_id is not None:
            # Answering the patient is picking the case up: it is acknowledged (the ladder
            # stops), not resolved: the patient may answer back. Resolve is the card's button.
            acknowledged = await store.escalations.acknowledge(target.case_id, staff_id, now)
        await store.audit.record(
            actor_id=staff_id, action=ACTION, outcome="ok", target=where,
            detail=f"patient:{patient.id}", now=now,
        )
    if acknowledged is not None:
        await redraw_card(ctx, acknowledged, now)  # who has it; no Acknowledge button now
    await _say(context, ctx, target, T.RELAY_SENT.format(patient_id=patient.id))
