"""Patient commands and free text: thin handlers over the onboarding, inbox and settings services.

All patient handlers answer private chats only (the alert group belongs to staff) and sit
in the default group after the staff handlers, so a staff conversation gets typed text
first. Button presses live in `bot.patient_buttons`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.ext import (
    Application,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import callbacks, patient_buttons
from bot.context import app_context
from bot.patient_views import (
    AWAIT_TIMEZONE,
    apply_timezone,
    chat_language,
    code_problem,
    consent_offer,
    faq_keyboard,
    groups_keyboard,
    not_stored,
    plan_text,
    post_alert,
    reply_to_text,
    send,
)
from bot.staff_access import user_id_of
from bot.staff_topics import forum_check
from core.consent_reply import consent_answer
from core.records import ClaimStatus, PatientRecord
from core.texts import staff as staff_texts
from core.texts.commands import PATIENT_COMMANDS
from core.texts.patient import button, help_text, language_name, t, ui_language
from services import calendar, inbox, inbox_media, onboarding, patient_settings
from services.access import is_staff
from services.context import AppContext
from services.inbox import InboxReply
from services.onboarding import language_for
from services.staff_alerts import MediaRef

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE
# New messages only: an edited message is not a new question (nor a new red flag report).
PRIVATE_MESSAGE = PRIVATE & filters.UpdateType.MESSAGE
# What a patient may send the team besides text (copied to their case by reference).
MEDIA = (filters.PHOTO | filters.VOICE | filters.VIDEO | filters.VIDEO_NOTE | filters.AUDIO
         | filters.Document.ALL)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the patient handlers to `application` (after the staff ones)."""
    # The deep link first: `/start <code>` must not reach the plain /start.
    application.add_handler(CommandHandler("start", start_with_code, PRIVATE, has_args=True))
    application.add_handler(CommandHandler("start", start_plain, PRIVATE))
    for command in PATIENT_COMMANDS:
        application.add_handler(CommandHandler(command.name, HANDLERS[command.name], PRIVATE))
    patient_buttons.register(application)
    application.add_handler(
        ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(
        MessageHandler(PRIVATE_MESSAGE & filters.TEXT & ~filters.COMMAND, free_text)
    )
    # An unknown command gets what /help gives (or the stranger's invite hint).
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & filters.COMMAND, help_command))
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & MEDIA, media_message))
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & filters.Sticker.ALL, sticker))
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & ~filters.TEXT, not_text))


async def _patient(update: Update, ctx: AppContext) -> PatientRecord | None:
    chat = update.effective_chat
    return None if chat is None else await onboarding.patient_for_chat(ctx, chat.id)


async def _stranger(update: Update, ctx: AppContext, language: str) -> None:
    """Someone with no patient in this chat: staff get their help; someone who opened an
    invite and has not answered gets its question again (never "ask for an invite link");
    anyone else the hint."""
    if await is_staff(ctx, user_id_of(update)):
        await send(update, staff_texts.staff_help())
        return
    if await _ask_consent_again(update, ctx, "consent_pending"):
        return
    await send(update, t("stranger", language, clinic=ctx.settings.clinic.name))


async def _ask_consent_again(update: Update, ctx: AppContext, lead: str) -> bool:
    """The consent question this chat was shown, again with its buttons (after `lead`);
    False when there is none still open."""
    chat = update.effective_chat
    if chat is None or await onboarding.open_offer(ctx, chat.id, ctx.clock.now()) is None:
        return False
    offer = await onboarding.peek_invite(ctx, code=onboarding.OFFERED, language_code=None,
                                         now=ctx.clock.now(), chat_id=chat.id)
    if offer.status is not ClaimStatus.OK:
        return False
    language = ui_language(offer.language)
    await send(update, t(lead, language, clinic=ctx.settings.clinic.name))
    await send(update, *consent_offer(ctx, offer, onboarding.OFFERED,
                                      chosen=_picked(update, ctx, offer.language)))
    return True


def _picked(update: Update, ctx: AppContext, language: str) -> bool:
    """Whether the offer's language is one the patient picked (not Telegram's own)."""
    user = update.effective_user
    return language != language_for(ctx, user.language_code if user else None)


async def _typed_consent(update: Update, ctx: AppContext, text: str) -> bool:
    """A typed answer to the consent question this chat was shown ("yes", "haan ji theek
    hai", "no"; core/consent_reply.py) acts as its button; "I pressed no by mistake" shows
    it again. A red flag goes on to the inbox, and so does anything else."""
    chat = update.effective_chat
    # The words first (pure): most texts answer no consent question, and then the inbox's
    # one call is the only one.
    answer = consent_answer(text)
    if chat is None or answer is None or ctx.triage.check(text) is not None:
        return False
    language = await onboarding.open_offer(ctx, chat.id, ctx.clock.now())
    if language is None:
        return False
    if answer == "again":
        return await _ask_consent_again(update, ctx, "consent_again")
    await patient_buttons.answer_consent(
        update, ctx, accept=answer == "yes", code=onboarding.OFFERED,
        chosen=language if _picked(update, ctx, language) else None)
    return True


async def _staff_not_patient(update: Update, ctx: AppContext) -> bool:
    """A staff member writing in their own chat (not as an enrolled patient)."""
    return await is_staff(ctx, user_id_of(update)) and await _patient(update, ctx) is None


def _help(ctx: AppContext, language: str) -> str:
    clinic = ctx.settings.clinic
    return help_text(language, clinic=clinic.name, contact=clinic.contact_for(language))


async def _active_or_explain(
    update: Update, ctx: AppContext
) -> tuple[PatientRecord | None, str]:
    """The active patient of this chat, or None after telling the user why not."""
    patient = await _patient(update, ctx)
    language = chat_language(update, ctx, patient)
    if patient is None:
        await _stranger(update, ctx, language)
        return None, language
    if patient.status != "active":
        clinic = ctx.settings.clinic
        await send(update, t("stopped_info", language, **clinic.placeholders(language)))
        return None, language
    return patient, language


# --- /start ------------------------------------------------------------------------------

async def start_with_code(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = app_context(context)
    code = (context.args or [""])[0]
    user = update.effective_user
    chat = update.effective_chat
    offer = await onboarding.peek_invite(
        ctx, code=code, language_code=user.language_code if user else None, now=ctx.clock.now(),
        chat_id=chat.id if chat else None,
    )
    if offer.status is not ClaimStatus.OK:
        language = ui_language(offer.language)
        await send(update, code_problem(ctx, offer.status, offer.cancelled, language))
        return
    await send(update, *consent_offer(ctx, offer, code))


async def start_plain(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = app_context(context)
    patient = await _patient(update, ctx)
    language = chat_language(update, ctx, patient)
    if patient is None:
        await _stranger(update, ctx, language)
    elif patient.status != "active":
        clinic = ctx.settings.clinic
        await send(update, t("stopped_info", language, **clinic.placeholders(language)))
    else:
        await send(update, _help(ctx, language))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = app_context(context)
    patient = await _patient(update, ctx)
    language = chat_language(update, ctx, patient)
    if patient is None:
        await _stranger(update, ctx, language)
    else:
        await send(update, _help(ctx, language))


# --- /plan /faq /language /timezone ------------------------------------------------------

async def plan_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = app_context(context)
    patient, language = await _active_or_explain(update, ctx)
    if patient is None:
        return
    view = await patient_settings.plan_view(ctx, patient, ctx.clock.now())
    await send(update, plan_text(ctx, view, language))


async def faq_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = app_context(context)
    patient = await _patient(update, ctx)
    language = chat_language(update, ctx, patient)
    content_language = patient.language if patient else language
    protocols = await inbox.patient_protocols(ctx, patient.id) if patient else ()
    groups = inbox.faq_groups(ctx, content_language, protocols or None)
    if groups:
        await send(update, t("faq_choose", language), groups_keyboard(groups, language))
        return
    topics = inbox.faq_topics(ctx, content_language, protocols or None)
    if not topics:
        await send(update, t("faq_empty", language))
        return
    await send(update, t("faq_choose", language), faq_keyboard(topics))


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = app_context(context)
    patient, language = await _active_or_explain(update, ctx)
    if patient is None:
        return
    rows = [
        [InlineKeyboardButton(language_name(code),
                              callback_data=f"{callbacks.LANGUAGE}{code}")]
        for code in ctx.settings.clinic.languages
    ]
    await send(update, t("language_choose", language), InlineKeyboardMarkup(rows))


async def timezone_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = app_context(context)
    patient, language = await _active_or_explain(update, ctx)
    if patient is None:
        return
    text = " ".join(context.args or [])
    if not text.strip():
        if context.user_data is not None:
            context.user_data[AWAIT_TIMEZONE] = True
        await send(update, t("timezone_prompt", language, zone=patient.timezone))
        return
    await apply_timezone(update, ctx, patient, text)


# --- /stop /forget -----------------------------------------------------------------------

async def stop_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = app_context(context)
    patient, language = await _active_or_explain(update, ctx)
    if patient is None:
        return
    keyboard = InlineKeyboardMarkup([
        [InlineKeyboardButton(button("button_stop", language),
                              callback_data=callbacks.STOP_YES)],
        [InlineKeyboardButton(button("button_keep", language),
                              callback_data=callbacks.KEEP)],
    ])
    await send(update, t("stop_confirm", language, clinic=ctx.settings.clinic.name), keyboard)


async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = app_context(context)
    patient = await _patient(update, ctx)
    language = chat_language(update, ctx, patient)
    if patient is None:
        await _stranger(update, ctx, language)
        return
    # Allowed in any status: a stopped patient may still want their data erased.
    keyboard = InlineKeyboardMarkup([
        [InlineKeyboardButton(button("button_forget", language),
                              callback_data=callbacks.FORGET_YES)],
        [InlineKeyboardButton(button("button_keep", language),
                              callback_data=callbacks.KEEP)],
    ])
    await send(update, t("forget_confirm", language), keyboard)


# --- free text and the rest --------------------------------------------------------------

async def free_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = app_context(context)
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or message.text is None:
        return
    text = message.text
    awaiting = context.user_data.pop(AWAIT_TIMEZONE, False) if context.user_data else False
    if awaiting and ctx.triage.check(text) is None:
        patient = await _patient(update, ctx)
        if patient is not None and patient.status == "active":
            await apply_timezone(update, ctx, patient, text)
            return
    user = update.effective_user
    if await _staff_not_patient(update, ctx):
        await send(update, staff_texts.staff_help())
        return
    if await _typed_consent(update, ctx, text):
        return
    fallback = language_for(ctx, user.language_code if user else None)
    await _answer(update, context, ctx, inbox.handle_text(
        ctx, chat_id=chat.id, text=text, fallback_language=fallback, now=ctx.clock.now(),
        forum=forum_check(context, ctx)))


async def _answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext,
    handling: Awaitable[InboxReply],
) -> None:
    """One service call stores the patient's message and its case together, then the bot
    renders the result: a patient is told the team knows only once the case is stored; if
    storing fails they are told to contact the clinic instead."""

    async def stranger(language: str) -> None:
        await _stranger(update, ctx, language)

    try:
        result = await handling
    except Exception as error:
        log.error("event=alert_not_stored error=%s", type(error).__name__)
        patient = None
        with contextlib.suppress(Exception):  # the database may be what failed
            patient = await _patient(update, ctx)
        await not_stored(update, ctx, patient)
        return
    await reply_to_text(update, context, ctx, result, stranger)


def _media_of(message: Message) -> MediaRef | None:
    kinds = (("photo", message.photo), ("voice", message.voice), ("video", message.video),
             ("video_note", message.video_note), ("audio", message.audio),
             ("document", message.document))
    for kind, present in kinds:
        if present:
            # A photo's largest size: its file id is what a photo check-in keeps.
            file_id = message.photo[-1].file_id if kind == "photo" else None
            return MediaRef(chat_id=message.chat.id, message_id=message.message_id, kind=kind,
                            album=message.media_group_id, file_id=file_id)
    return None


async def media_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo, voice note, video or document: to the patient's case (services/inbox_media);
    an album's later messages join its first one's copy, without an answer of their own."""
    ctx = app_context(context)
    message = update.effective_message
    media = None if message is None else _media_of(message)
    if message is None or media is None:
        return
    if await _staff_not_patient(update, ctx):
        await send(update, staff_texts.staff_help())
        return
    user = update.effective_user
    now = ctx.clock.now()
    later = media.album is not None and not ctx.albums.allow((media.chat_id, media.album),
                                                             now).ok
    handle = inbox_media.handle_album_part if later else inbox_media.handle_media
    await _answer(update, context, ctx, handle(
        ctx, chat_id=media.chat_id, media=media, caption=message.caption,
        fallback_language=language_for(ctx, user.language_code if user else None), now=now,
        forum=forum_check(context, ctx),
    ))


async def sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A sticker is small talk: a friendly answer; it joins an unresolved case."""
    ctx = app_context(context)
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or message.sticker is None:
        return
    if await _staff_not_patient(update, ctx):
        await send(update, staff_texts.staff_help())
        return
    user = update.effective_user
    await _answer(update, context, ctx, inbox_media.handle_sticker(
        ctx, chat_id=chat.id, emoji=message.sticker.emoji,
        fallback_language=language_for(ctx, user.language_code if user else None),
        now=ctx.clock.now(), forum=forum_check(context, ctx),
    ))


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A location, contact, poll...: we read text and media only; say so and give the
    clinic's contact."""
    ctx = app_context(context)
    if update.effective_message is None:
        return
    patient = await _patient(update, ctx)
    language = chat_language(update, ctx, patient)
    contact = ctx.settings.clinic.contact_for(language)
    await send(update, t("text_only", language, contact=contact))


async def membership_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The patient blocked the bot: unreachable, nothing more is sent, and staff get an
    unreachable case (the clinic should call them)."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    if change.new_chat_member.status == "kicked":
        ctx = app_context(context)
        blocked = await patient_settings.mark_blocked(ctx, change.chat.id, ctx.clock.now())
        if blocked.alert is not None:
            await post_alert(context, ctx, blocked.alert)


# --- /calendar ---------------------------------------------------------------------------

CALENDAR_FILE = "sessions.ics"


async def calendar_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The patient's booked sessions as an .ics file (services/calendar.py)."""
    ctx = app_context(context)
    patient, language = await _active_or_explain(update, ctx)
    if patient is None:
        return
    clinic = ctx.settings.clinic
    data = await calendar.patient_calendar(ctx, patient, now=ctx.clock.now())
    if data is None:
        await send(update, t("calendar_empty", language, clinic=clinic.name,
                             contact=clinic.contact_for(language)))
        return
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(data, filename=CALENDAR_FILE, attach=True),
        caption=t("calendar_caption", language, clinic=clinic.name),
    )


# The patient command table's callbacks, by name (core/texts/commands.py holds the table).
HANDLERS = {
    "help": help_command,
    "plan": plan_command,
    "faq": faq_command,
    "language": language_command,
    "timezone": timezone_command,
    "calendar": calendar_command,
    "stop": stop_command,
    "forget": forget_command,
}
