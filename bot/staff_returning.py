"""A returning patient: the staff question's buttons ("Add to #4" / "Keep apart") decide a
held acceptance (services/onboarding.py decide_join); the question is edited to say who
decided what, and the patient is told."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot import callbacks
from bot.context import app_context
from bot.formatting import escape, fit
from bot.patient_views import first_message_line
from bot.staff_access import user_id_of
from core.texts import alerts as A
from core.texts import staff as T
from core.texts.patient import t, ui_language
from services import onboarding
from services.context import AppContext
from services.planning import patient_zone
from services.staff_directory import names_for
from storage.repositories.join_requests import MERGE

log = logging.getLogger(__name__)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CallbackQueryHandler(
        join_button, pattern=callbacks.pattern(callbacks.JOIN)))


async def join_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    ctx = app_context(context)
    parsed = callbacks.split_join(query.data)
    if parsed is None:
        with contextlib.suppress(TelegramError):
            await query.answer()
        return
    decision, request_id = parsed
    staff_id = user_id_of(update)
    done = await onboarding.decide_join(ctx, request_id, decision, staff_id=staff_id)
    if done.outcome == "refused":
        with contextlib.suppress(TelegramError):
            await query.answer(T.CASE_REFUSED, show_alert=True)
        return
    with contextlib.suppress(TelegramError):
        await query.answer(A.JOIN_ALREADY if done.outcome == "already" else None)
    request = done.request
    if request is None or done.outcome == "already":
        return
    names = await names_for(ctx, [staff_id])
    who = escape(T.staff_member(staff_id or 0, names))
    if done.outcome == "gone":
        text = A.JOIN_GONE.format(patient_id=request.patient_id)
    elif request.decision == MERGE:
        text = A.JOIN_MERGED.format(who=who, patient_id=request.patient_id,
                                    invited_id=request.invited_id)
    else:
        text = A.JOIN_APART.format(who=who, patient_id=request.patient_id,
                                   invited_id=request.invited_id)
    with contextlib.suppress(TelegramError):
        await query.edit_message_text(fit(text), reply_markup=None)
    if done.outcome == "ok":
        await _tell_patient(context, ctx, done)


async def _tell_patient(context: ContextTypes.DEFAULT_TYPE, ctx: AppContext,
                        done: onboarding.JoinDecision) -> None:
    """The patient waiting since their "Yes": their plan has started, or nothing changed."""
    patient, request = done.patient, done.request
    if patient is None or patient.chat_id is None or request is None:
        return
    language = ui_language(patient.language)
    clinic = ctx.settings.clinic
    if request.decision == MERGE:
        zone = patient_zone(patient.timezone, ctx.settings)
        first = first_message_line(done.first_due, zone, ctx.clock.now(), language)
        text = t("consent_done", language, zone=patient.timezone, first=first)
    else:
        text = t("join_apart", language, clinic=clinic.name,
                 contact=clinic.contact_for(patient.language))
    try:
        await context.bot.send_message(patient.chat_id, fit(text))
    except TelegramError as error:  # the plan is stored either way; delivery sends it
        log.warning("event=join_patient_not_told error=%s", type(error).__name__)
