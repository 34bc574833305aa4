"""Patient button presses: consent, check-in answers, FAQ topics, language, zone, stop, forget."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot import callbacks
from bot.context import app_context
from bot.formatting import fit
from bot.patient_views import (
    chat_language,
    closed_note,
    code_problem,
    consent_offer,
    faq_keyboard,
    first_message_line,
    groups_keyboard,
    not_stored,
    pain_keyboard,
    post_alert,
    send,
    switch_timezone,
)
from bot.staff_topics import forum_check
from core.records import ClaimStatus
from core.statuses import EscalationKind
from core.texts.patient import button, t, ui_language
from services import course, inbox, onboarding, patient_settings, photo_checkins
from services.context import AppContext
from services.planning import patient_zone
from services.staff_alerts import post_photo, topic_notice

log = logging.getLogger(__name__)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    for pattern, callback in (
        (callbacks.pattern(callbacks.CONSENT_YES), consent_pressed),
        (callbacks.pattern(callbacks.CONSENT_NO), consent_pressed),
        (callbacks.pattern(callbacks.CONSENT_LANGUAGE), consent_language_pressed),
        (callbacks.pattern(callbacks.FAQ_GROUP), faq_group_pressed),
        (callbacks.pattern(callbacks.CHECKIN), checkin_pressed),
        (callbacks.pattern(callbacks.FAQ), faq_pressed),
        (callbacks.pattern(callbacks.LANGUAGE), language_pressed),
        (callbacks.pattern(callbacks.TIMEZONE), timezone_pressed),
        (callbacks.pattern(callbacks.PHOTO), photo_pressed),
        (callbacks.pattern(callbacks.OUTCOME_SKIP), outcome_skip_pressed),
        (callbacks.exactly(callbacks.STOP_YES, callbacks.FORGET_YES, callbacks.KEEP),
         confirm_pressed),
    ):
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))


async def _ack(query: CallbackQuery, text: str | None = None) -> None:
    # Answering stops the button's spinner; an old query may no longer be answerable.
    with contextlib.suppress(TelegramError):
        await query.answer(text)


async def _drop_buttons(query: CallbackQuery) -> None:
    """Remove the keyboard so the same choice cannot be made twice."""
    with contextlib.suppress(TelegramError):
        await query.edit_message_reply_markup(reply_markup=None)


def _private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == "private"


async def consent_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None or not _private(update):
        return
    ctx = app_context(context)
    await _ack(query)
    await _drop_buttons(query)
    if query.data.startswith(callbacks.CONSENT_NO):
        await answer_consent(update, ctx, accept=False,
                             code=query.data.removeprefix(callbacks.CONSENT_NO))
        return
    code, chosen = callbacks.split_consent(query.data, callbacks.CONSENT_YES)
    await answer_consent(update, ctx, accept=True, code=code, chosen=chosen)


async def answer_consent(update: Update, ctx: AppContext, *, accept: bool, code: str,
                         chosen: str | None = None) -> None:
    """Yes or No to the consent question, pressed or typed (`code` OFFERED: the invite this
    chat was shown, services/onboarding.py)."""
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    user = update.effective_user
    language_code = user.language_code if user else None
    now = ctx.clock.now()
    clinic = ctx.settings.clinic
    if not accept:
        await onboarding.decline_invite(ctx, code=code, chat_id=chat_id, now=now)
        language = chat_language(update, ctx, None)
        await send(update, t("consent_declined", language, clinic=clinic.name))
        return
    result = await onboarding.accept_invite(
        ctx, code=code, chat_id=chat_id, language_code=language_code, now=now,
        chosen_language=chosen,
    )
    if result.held is not None and result.patient is not None:
        # The chat is another patient's: staff are asked; nothing starts yet.
        language = ui_language(chosen or result.patient.language)
        await send(update, t("join_held", language, clinic=clinic.name))
        return
    if result.status is ClaimStatus.OK and result.patient is not None:
        language = ui_language(result.patient.language)
        zone = patient_zone(result.patient.timezone, ctx.settings)
        first = first_message_line(result.first_due, zone, now, language)
        await send(update, t("consent_done", language, zone=result.patient.timezone,
                             first=first))
        return
    patient = result.patient
    language = chat_language(update, ctx, patient)
    if result.already_mine and patient is not None:
        # A second "Yes": the first may have been answered, or its answer lost; say it again.
        await send(update, t("already_joined", language))
        return
    await send(update, code_problem(ctx, result.status, result.cancelled, language))


async def consent_language_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A language button on the consent question: show the same offer in that language."""
    query = update.callback_query
    if query is None or query.data is None or not _private(update):
        return
    ctx = app_context(context)
    await _ack(query)
    language, _, code = query.data.removeprefix(callbacks.CONSENT_LANGUAGE).partition(":")
    offer = await onboarding.peek_invite(ctx, code=code, language_code=language,
                                         now=ctx.clock.now(),
                                         chat_id=update.effective_chat.id)  # type: ignore[union-attr]
    if offer.status is not ClaimStatus.OK:
        await _drop_buttons(query)
        text = code_problem(ctx, offer.status, offer.cancelled, ui_language(offer.language))
        await send(update, text)
        return
    text, keyboard = consent_offer(ctx, offer, code, chosen=True)
    try:
        await query.edit_message_text(fit(text), reply_markup=keyboard)
    except TelegramError:
        await send(update, text, keyboard)


async def checkin_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None or not _private(update):
        return
    ctx = app_context(context)
    parts = query.data.split(":", 2)
    number = parts[1] if len(parts) == 3 else ""
    # ASCII digits, and no more than a message id can have ("²" or 30 digits: refused).
    message_id = int(number) if number.isascii() and number.isdigit() and len(number) <= 12 \
        else -1
    try:
        outcome = await inbox.answer_checkin(
            ctx, chat_id=update.effective_chat.id,  # type: ignore[union-attr]
            message_id=message_id, option_id=parts[-1], now=ctx.clock.now(),
            forum=forum_check(context, ctx),
        )
    except Exception as error:  # the answer and its case are stored together, or neither
        log.error("event=alert_not_stored error=%s", type(error).__name__)
        await _ack(query)
        patient = None
        with contextlib.suppress(Exception):  # the database may be what failed
            patient = await onboarding.patient_for_chat(ctx, update.effective_chat.id)  # type: ignore[union-attr]
        await not_stored(update, ctx, patient)
        return
    await CHECKIN_VIEWS[checkin_view(outcome)](update, query, ctx, outcome)


CheckinView = Literal["stale", "already", "course", "escalated", "thanks"]


def checkin_view(outcome: inbox.CheckinOutcome) -> CheckinView:
    """Which view renders a check-in answer (the service stored it and its case)."""
    if outcome.status != "recorded":
        return outcome.status
    if outcome.course:
        return "course"
    if outcome.alerted and outcome.alert is not None \
            and outcome.alert.kind == EscalationKind.CHECKIN:
        return "escalated"
    return "thanks"


async def _stale(update: Update, query: CallbackQuery, _ctx: AppContext,
                 outcome: inbox.CheckinOutcome) -> None:
    await _ack(query, button("button_stale", ui_language(outcome.language)))
    await _drop_buttons(query)
    for item in outcome.replies:  # a confirmation for a time the session no longer has
        await send(update, item.html)


async def _already(update: Update, query: CallbackQuery, _ctx: AppContext,
                   outcome: inbox.CheckinOutcome) -> None:
    language = ui_language(outcome.language)
    await _ack(query, button("checkin_already", language))
    await send(update, t("checkin_already", language))


async def _show_answer(query: CallbackQuery, outcome: inbox.CheckinOutcome) -> None:
    await _ack(query)
    answer_line = t("checkin_answer", ui_language(outcome.language), answer=outcome.answer)
    with contextlib.suppress(TelegramError):
        await query.edit_message_text(fit(f"{outcome.question_html}\n\n{answer_line}"),
                                      reply_markup=None)


async def _course_answered(update: Update, query: CallbackQuery, _ctx: AppContext,
                           outcome: inbox.CheckinOutcome) -> None:
    """A confirmation, recall or outcome answered (services/course.py): its case and the
    notice in the patient's topic were stored with it; the replies follow."""
    await _show_answer(query, outcome)
    for item in outcome.replies:
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton(label, callback_data=data)] for label, data in item.buttons]
        ) if item.buttons else None
        await send(update, item.html, keyboard)


async def _escalated(update: Update, query: CallbackQuery, ctx: AppContext,
                     outcome: inbox.CheckinOutcome) -> None:
    """A worrying check-in answer, its case stored with it: the patient is told the team
    knows, and outside clinic.hours the emergency route at once, as the urgent reply to
    text does."""
    await _show_answer(query, outcome)
    language = ui_language(outcome.language)
    clinic = ctx.settings.clinic
    await send(update, t("checkin_escalated", language, contact=clinic.contact_for(language)))
    if (note := closed_note(ctx, language)) is not None:
        await send(update, note)


async def _thanks(update: Update, query: CallbackQuery, _ctx: AppContext,
                  outcome: inbox.CheckinOutcome) -> None:
    await _show_answer(query, outcome)
    await send(update, t("checkin_thanks", ui_language(outcome.language)))


# One view per CheckinView (tests/unit/test_patient_views.py checks none is missing).
CHECKIN_VIEWS: dict[CheckinView, Callable[
    [Update, CallbackQuery, AppContext, inbox.CheckinOutcome], Awaitable[None]]] = {
    "stale": _stale,
    "already": _already,
    "course": _course_answered,
    "escalated": _escalated,
    "thanks": _thanks,
}


async def photo_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo check-in's question answered: "swollen?" then the pain score; after the
    second, the alert is stored (an urgent case) or the post queued, then the patient told."""
    query = update.callback_query
    if query is None or query.data is None or not _private(update):
        return
    ctx = app_context(context)
    parsed = photo_checkins.parse_data(query.data)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    if parsed is None:
        await _ack(query, button("button_stale", "en"))
        await _drop_buttons(query)
        return
    checkin_id, which, value = parsed
    result = await photo_checkins.answer(ctx, chat_id=chat_id, checkin_id=checkin_id,
                                         which=which, value=value, now=ctx.clock.now())
    language = ui_language(result.language)
    if result.status != "recorded":
        await _ack(query, button("checkin_already" if result.status == "already"
                                 else "button_stale", language))
        await _drop_buttons(query)
        return
    await _ack(query)
    await _drop_buttons(query)
    if result.next == "pain":
        await send(update, result.reply, pain_keyboard(result.checkin_id))
        return
    if result.alert is not None:
        try:
            case = await post_alert(context, ctx, result.alert)
        except Exception as error:
            log.error("event=alert_not_stored error=%s", type(error).__name__)
            await send(update, t("alert_not_queued", language,
                                 **ctx.settings.clinic.placeholders(language)))
            return
        if case is not None:
            await photo_checkins.link_case(ctx, result.checkin_id, case.id)
    elif result.post is not None:
        await post_photo(ctx, result.post, ctx.clock.now(), forum=forum_check(context, ctx))
    await send(update, result.reply)
    if result.alert is not None and result.alert.kind == EscalationKind.RED_FLAG and (
            note := closed_note(ctx, language)) is not None:
        await send(update, note)


async def outcome_skip_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"No, thanks" to adding a comment on the result."""
    query = update.callback_query
    if query is None or query.data is None or not _private(update):
        return
    ctx = app_context(context)
    await _ack(query)
    await _drop_buttons(query)
    number = query.data.removeprefix(callbacks.OUTCOME_SKIP)
    if not (number.isascii() and number.isdigit()) or len(number) > 12:
        return
    patient = await onboarding.patient_for_chat(ctx, update.effective_chat.id)  # type: ignore[union-attr]
    if patient is None:
        return
    await course.close_comment(ctx, patient, int(number))


async def faq_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None or not _private(update):
        return
    ctx = app_context(context)
    patient = await onboarding.patient_for_chat(ctx, update.effective_chat.id)  # type: ignore[union-attr]
    language = patient.language if patient else chat_language(update, ctx, None)
    await _ack(query)
    answer = inbox.faq_answer(ctx, query.data.removeprefix(callbacks.FAQ), language)
    if answer is None:
        await send(update, t("button_stale", ui_language(language)))
        return
    await send(update, fit(answer))


async def faq_group_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /faq heading: its questions (for this patient's protocols), or back to the headings."""
    query = update.callback_query
    if query is None or query.data is None or not _private(update):
        return
    ctx = app_context(context)
    await _ack(query)
    patient = await onboarding.patient_for_chat(ctx, update.effective_chat.id)  # type: ignore[union-attr]
    language = chat_language(update, ctx, patient)
    content_language = patient.language if patient else language
    protocols = (await inbox.patient_protocols(ctx, patient.id) if patient else ()) or None
    group = query.data.removeprefix(callbacks.FAQ_GROUP)
    if group:
        wanted = None if group == inbox.OTHER_GROUP else group
        topics = [
            topic for topic in inbox.faq_topics(ctx, content_language, protocols, group=wanted)
            if wanted is not None or topic[0] in _ungrouped(ctx)
        ]
        text = t("faq_choose_question", language)
        keyboard = faq_keyboard(tuple(topics), back=button("button_faq_back", language))
    else:
        text = t("faq_choose", language)
        keyboard = groups_keyboard(inbox.faq_groups(ctx, content_language, protocols), language)
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except TelegramError:
        await send(update, text, keyboard)


def _ungrouped(ctx: AppContext) -> set[str]:
    return {entry.id for entry in ctx.content.faq if entry.group is None}


async def _active(update: Update, ctx: AppContext) -> Any:
    patient = await onboarding.patient_for_chat(ctx, update.effective_chat.id)  # type: ignore[union-attr]
    return patient if patient is not None and patient.status == "active" else None


async def language_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None or not _private(update):
        return
    ctx = app_context(context)
    await _ack(query)
    patient = await _active(update, ctx)
    if patient is None:
        await _drop_buttons(query)
        return
    updated = await patient_settings.set_language(
        ctx, patient, query.data.removeprefix(callbacks.LANGUAGE), ctx.clock.now()
    )
    await _drop_buttons(query)
    language = ui_language(updated.language if updated else patient.language)
    await send(update, t("language_set" if updated else "button_stale", language))


async def timezone_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None or not _private(update):
        return
    ctx = app_context(context)
    await _ack(query)
    await _drop_buttons(query)
    patient = await _active(update, ctx)
    if patient is not None:
        await switch_timezone(update, ctx, patient, query.data.removeprefix(callbacks.TIMEZONE))


async def confirm_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The second step of /stop and /forget (or "keep" for either)."""
    query = update.callback_query
    if query is None or query.data is None or not _private(update):
        return
    ctx = app_context(context)
    await _ack(query)
    await _drop_buttons(query)
    patient = await onboarding.patient_for_chat(ctx, update.effective_chat.id)  # type: ignore[union-attr]
    language = chat_language(update, ctx, patient)
    contact = ctx.settings.clinic.contact_for(language)
    if patient is None:
        return  # already forgotten: the button belongs to someone we no longer know
    now = ctx.clock.now()
    if query.data == callbacks.STOP_YES:
        if patient.status == "active":
            await patient_settings.stop(ctx, patient, now)
            await topic_notice(ctx, patient.id, "stopped", now)
        await send(update, t("stop_done", language, contact=contact))
    elif query.data == callbacks.FORGET_YES:
        await patient_settings.forget(ctx, patient, now)
        await send(update, t("forget_done", language, contact=contact))
    else:
        await send(update, t("kept", language))
