"""Relay: a staff reply in the alert chat to a bot alert goes back to that patient."""

from __future__ import annotations

from typing import Any

from telegram import Update
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
from services.context import AppContext
from services.staff_admin import audit, is_staff
from storage.repositories import Store

RELAY_EFFECT = "relay"  # inbound_updates.effect: this staff reply was sent to the patient
ACTION = "relay"


def register(application: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Replies in group chats; the handler itself checks it is the alert chat and an alert."""
    application.add_handler(
        MessageHandler(filters.REPLY & filters.ChatType.GROUPS, relay_reply), group=group
    )


async def relay_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = app_context(context)
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or message.reply_to_message is None:
        return
    if chat.id != ctx.settings.staff.alert_chat_id:
        return
    original = message.reply_to_message
    if original.from_user is None or original.from_user.id != context.bot.id:
        return  # a reply to a colleague, not to one of our alerts
    async with Store(ctx.sessions) as store:
        escalation = await store.escalations.by_alert_message(chat.id, original.message_id)
    if escalation is None:
        return  # a reply to some other bot message (stats, help...): not for a patient
    # From here on the update is ours: the patient handlers must not see it.
    user_id = message.from_user.id if message.from_user else None
    target = f"escalation:{escalation.id}"
    if not await is_staff(ctx, user_id):
        await audit(ctx, actor_id=user_id, action=ACTION, outcome="refused", target=target)
        await message.reply_text(T.RELAY_REFUSED)
        raise ApplicationHandlerStop
    if not message.text:
        await audit(ctx, actor_id=user_id, action=ACTION, outcome="invalid", target=target,
                    detail="not text")
        await message.reply_text(T.RELAY_EMPTY)
        raise ApplicationHandlerStop
    await _deliver(ctx, context, escalation.id, escalation.patient_id, message.text, user_id,
                   update_id=update.update_id)
    raise ApplicationHandlerStop


async def _deliver(
    ctx: AppContext,
    context: ContextTypes.DEFAULT_TYPE,
    escalation_id: int,
    patient_id: int | None,
    text: str,
    staff_id: int | None,
    *,
    update_id: int,
) -> None:
    message = context.bot  # replies to staff go through the same bot
    alert_chat = ctx.settings.staff.alert_chat_id
    assert alert_chat is not None
    target = f"escalation:{escalation_id}"
    async with Store(ctx.sessions) as store:
        if await store.inbound.effect_of(update_id) == RELAY_EFFECT:
            # A replay after a crash: the reply went (or was going) out once; never twice.
            await message.send_message(alert_chat, T.RELAY_ALREADY.format(patient_id=patient_id))
            return
        patient = None if patient_id is None else await store.patients.get(patient_id)
    if patient is None or patient.chat_id is None or patient.status != "active":
        await audit(ctx, actor_id=staff_id, action=ACTION, outcome="refused", target=target,
                    detail=f"patient:{patient_id} unreachable")
        await message.send_message(
            alert_chat, T.RELAY_UNDELIVERABLE.format(patient_id=patient_id or "?")
        )
        return
    prefix = patient_texts.t("reply_from_clinic", patient.language, clinic=ctx.settings.clinic.name)
    async with Store(ctx.sessions) as store:
        await store.inbound.record_effect(update_id, RELAY_EFFECT)
    try:
        await message.send_message(patient.chat_id, fit(prefix + escape(text)))
    except TelegramError as error:
        reason = "blocked" if isinstance(error, Forbidden) else type(error).__name__
        await audit(ctx, actor_id=staff_id, action=ACTION, outcome="error", target=target,
                    detail=f"patient:{patient.id} {reason}")
        await message.send_message(
            alert_chat, T.RELAY_FAILED.format(patient_id=patient.id, reason=escape(reason))
        )
        return
    now = ctx.clock.now()
    async with Store(ctx.sessions) as store:
        # Answering the patient is picking the case up: it is acknowledged (the ladder
        # stops), not resolved: the patient may answer back. Resolve is the card's button.
        await store.escalations.acknowledge(escalation_id, staff_id, now)
        await store.audit.record(
            actor_id=staff_id, action=ACTION, outcome="ok", target=target,
            detail=f"patient:{patient.id}", now=now,
        )
    await message.send_message(alert_chat, T.RELAY_SENT.format(patient_id=patient.id))
