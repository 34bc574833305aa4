"""Rendering for the patient handlers: sending, keyboards, /plan, time-zone replies, alerts."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackContext

from bot import callbacks
from bot.formatting import fit
from core.records import PatientRecord
from core.texts.patient import t, ui_language
from services import patient_settings
from services.context import AppContext
from services.onboarding import language_for
from services.patient_settings import PlanView, lookup_zone
from services.planning import patient_zone
from services.staff_alerts import AlertRequest, raise_alert

log = logging.getLogger(__name__)

AWAIT_TIMEZONE = "awaiting_timezone"  # user_data flag: the next text is a time zone
TIME_FORMATS = {"en": "%a %d %b, %H:%M", "hi": "%d-%m-%Y, %H:%M"}


async def send(update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Send safe HTML to the update's chat, fitted to Telegram's limit."""
    chat = update.effective_chat
    if chat is None:
        return
    await chat.send_message(fit(text), reply_markup=keyboard)


def chat_language(update: Update, ctx: AppContext, patient: PatientRecord | None) -> str:
    """The language for our texts: the patient's, else Telegram's language_code if offered."""
    if patient is not None:
        return ui_language(patient.language)
    user = update.effective_user
    return ui_language(language_for(ctx, user.language_code if user else None))


def faq_keyboard(topics: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup:
    """One button per FAQ topic (button texts are plain text, never HTML)."""
    rows = []
    for entry_id, question in topics:
        data = callbacks.data_for(callbacks.FAQ, entry_id)
        if data is not None:
            rows.append([InlineKeyboardButton(question[:120], callback_data=data)])
    return InlineKeyboardMarkup(rows)


suggestion_keyboard = faq_keyboard


def plan_text(ctx: AppContext, view: PlanView, language: str) -> str:
    zone = patient_zone(view.zone, ctx.settings)
    fmt = TIME_FORMATS.get(language, TIME_FORMATS["en"])
    lines = [t("plan_header", language, zone=view.zone)]
    for item in view.items:
        when = item.due_at.astimezone(zone).strftime(fmt)
        lines.append(t("plan_line", language, when=when, what=item.summary))
    if view.more:
        lines.append(t("plan_more", language, count=view.more))
    if not view.items:
        lines.append(t("plan_empty", language))
    lines.append("")
    lines.append(t("plan_sent", language, count=view.sent))
    return "\n".join(lines)


def timezone_keyboard(zones: tuple[str, ...]) -> InlineKeyboardMarkup:
    rows = []
    for zone in zones:
        data = callbacks.data_for(callbacks.TIMEZONE, zone)
        if data is not None:
            rows.append([InlineKeyboardButton(zone.replace("_", " "), callback_data=data)])
    return InlineKeyboardMarkup(rows)


def local_time(zone_name: str, now: datetime) -> str:
    from zoneinfo import ZoneInfo

    return now.astimezone(ZoneInfo(zone_name)).strftime("%H:%M")


async def apply_timezone(
    update: Update, ctx: AppContext, patient: PatientRecord, text: str
) -> None:
    """Resolve what the patient typed and switch, ask (buttons) or explain with examples."""
    language = ui_language(patient.language)
    found = lookup_zone(text)
    if found.zone is not None:
        await switch_timezone(update, ctx, patient, found.zone)
    elif found.choices:
        await send(update, t("timezone_choose", language), timezone_keyboard(found.choices))
    else:
        await send(update, t("timezone_unknown", language))


async def switch_timezone(
    update: Update, ctx: AppContext, patient: PatientRecord, zone: str
) -> None:
    language = ui_language(patient.language)
    now = ctx.clock.now()
    updated = await patient_settings.set_timezone(ctx, patient, zone, now)
    if updated is None:
        await send(update, t("timezone_unknown", language))
        return
    await send(update, t("timezone_set", language, zone=zone, local=local_time(zone, now)))


async def post_alert(
    context: CallbackContext[Any, Any, Any, Any], ctx: AppContext, request: AlertRequest
) -> None:
    """Post an alert to the staff chat through this bot (the outbox takes it on failure)."""

    async def post(chat_id: int, text: str) -> int:
        message = await context.bot.send_message(chat_id, text)
        return int(message.message_id)

    await raise_alert(ctx, post, request, ctx.clock.now())
