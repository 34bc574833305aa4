"""Relay: staff answer a patient from the staff chat.

Two ways in: writing in the patient's forum topic (when the staff chat is a forum), or
replying to one of the bot's posts of a case (a card, a joined message, a copied photo, a
re-alert) anywhere in the chat. Text, photos, videos, documents, voice notes and stickers
reach the patient (media copied by reference); a text or caption starting with `!` stays
internal: a note for colleagues, never sent. Commands (`/cases` in a topic) are not
relayed. Only staff may answer; anyone else is refused (at most once a minute each) and
audited, and nothing reaches the patient. A reply to a post of ours that answers no patient
gets a short answer saying so, never silence.

Which case a reply answers: the post's recorded message id, else what the post itself says
(a card's buttons carry its case, a post's heading names it): so a reply to a card the
moment it arrives (before delivery has recorded its id), or to the first of two copies sent
around a crash, still reaches the patient.

A text is measured as the patient will read it (not its HTML) and a long one goes whole,
split at paragraph or sentence boundaries into several messages, in order; staff are told
"Sent" only once every part went. A relayed answer acknowledges the patient's open case (the
ladder stops), and in a chat without topics it becomes the message the patient's next
messages are threaded under. Every answer to staff goes through the outbox.
"""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.context import app_context
from bot.formatting import CAPTION_LIMIT, MESSAGE_LIMIT, escape
from core.message_parts import split_text, utf16_length
from core.statuses import PatientStatus
from core.texts import patient as patient_texts
from core.texts import staff as T
from core.texts.alerts import case_in_post, patient_in_topic_name
from services.access import audit, is_staff
from services.cases import redraw_card
from services.context import AppContext
from services.staff_notices import close_orphan_topic, queue_notice, queue_refusal
from storage.repositories import Store

log = logging.getLogger(__name__)
RELAY_EFFECT = "relay"  # inbound_updates.effect: this staff reply was sent to the patient
ACTION = "relay"
NOTE_MARK = "!"  # a text or caption starting with this stays in the staff chat
# Media that carry a caption (the clinic's name and the staff member's words go in it).
CAPTIONED = ("photo", "video", "animation", "audio", "voice", "document")
UNCAPTIONED = ("video_note", "sticker")
_TAG = re.compile(r"<[^>]+>")


def register(application: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """New messages in group chats; the handler itself checks it is the staff chat and that
    the message answers a patient (their topic, or a reply to a case post)."""
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.UpdateType.MESSAGE, relay_reply),
        group=group,
    )


@dataclass(frozen=True, kw_only=True)
class Target:
    """Whom a staff message answers: the patient (None: a post of ours that answers no
    patient), their unresolved case (if any), the topic."""

    patient_id: int | None
    case_id: int | None
    thread_id: int | None


def _case_named_by(original: Message) -> int | None:
    """The case one of our posts is about, read from the post: its buttons, else its
    heading."""
    markup = original.reply_markup
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            data = button.callback_data
            parsed = callbacks.split_case(data) if isinstance(data, str) else None
            if parsed is not None:
                return parsed[1]
    return case_in_post(original.text) if original.text else None


async def _target(ctx: AppContext, message: Message, bot_id: int) -> Target | None:
    """The patient a staff-chat message answers; None when it is not addressed to us."""
    thread = message.message_thread_id if message.is_topic_message else None
    original = message.reply_to_message
    async with Store(ctx.sessions) as store:
        if thread is not None:
            patient = await store.patients.by_staff_topic(thread)
            if patient is not None:
                case = await store.escalations.unresolved_for(patient.id)
                return Target(patient_id=patient.id, case_id=case.id if case else None,
                              thread_id=thread)
        if original is None or original.from_user is None or original.from_user.id != bot_id:
            return None  # a reply to a colleague, not to one of our posts
        if original.forum_topic_created is not None and thread is not None:
            # A topic we made that is nobody's now (made while its patient erased their
            # data, or left by a crash before it was recorded): its name says whose.
            named = patient_in_topic_name(original.forum_topic_created.name)
            if named is not None and await store.patients.get(named) is not None:
                case = await store.escalations.unresolved_for(named)
                return Target(patient_id=named, case_id=case.id if case else None,
                              thread_id=thread)
        case = await store.escalations.by_alert_message(message.chat.id, original.message_id)
        if case is None:
            named_case = _case_named_by(original)
            case = None if named_case is None else await store.escalations.get(named_case)
    if case is None or case.patient_id is None:
        return Target(patient_id=None, case_id=None, thread_id=thread)
    return Target(patient_id=case.patient_id, case_id=case.id, thread_id=thread)


def _media_kind(message: Message) -> str | None:
    for kind in (*CAPTIONED, *UNCAPTIONED):
        if getattr(message, kind, None):
            return kind
    return None


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
    staff = await is_staff(ctx, user_id)
    where = (f"escalation:{target.case_id}" if target.case_id is not None
             else f"patient:{target.patient_id}" if target.patient_id is not None else None)
    if not staff:
        await audit(ctx, actor_id=user_id, action=ACTION, outcome="refused", target=where)
        await queue_refusal(ctx, chat_id=chat.id, user_id=user_id, text=T.RELAY_REFUSED,
                            now=ctx.clock.now(), thread_id=target.thread_id,
                            about_patient_id=target.patient_id)
        raise ApplicationHandlerStop
    written = message.text if message.text is not None else (message.caption or "")
    if written.lstrip().startswith(NOTE_MARK):
        raise ApplicationHandlerStop  # an internal note: stays where it is
    if target.patient_id is None:
        await audit(ctx, actor_id=user_id, action=ACTION, outcome="invalid",
                    detail="answers no patient")
        await _say(ctx, target, T.RELAY_NO_PATIENT, message)
        raise ApplicationHandlerStop
    kind = _media_kind(message)
    if not message.text and kind is None:
        await audit(ctx, actor_id=user_id, action=ACTION, outcome="invalid", target=where,
                    detail="not text or media")
        await _say(ctx, target, T.RELAY_EMPTY, message)
        raise ApplicationHandlerStop
    await _deliver(ctx, context, target, message, kind, user_id, update_id=update.update_id)
    raise ApplicationHandlerStop


async def _say(ctx: AppContext, target: Target, text: str, answering: Message) -> None:
    """A short answer to staff, in the topic when there is one (else as a reply to what
    they wrote), through the outbox like every group post."""
    chat = ctx.settings.staff.alert_chat_id
    assert chat is not None
    await queue_notice(ctx, chat_id=chat, text=text, now=ctx.clock.now(),
                       about_patient_id=target.patient_id, thread_id=target.thread_id,
                       reply_to=None if target.thread_id is not None else answering.message_id)


async def _deliver(
    ctx: AppContext,
    context: ContextTypes.DEFAULT_TYPE,
    target: Target,
    message: Message,
    kind: str | None,
    staff_id: int | None,
    *,
    update_id: int,
) -> None:
    where = f"escalation:{target.case_id}" if target.case_id else f"patient:{target.patient_id}"
    now = ctx.clock.now()
    async with Store(ctx.sessions) as store:
        if await store.inbound.effect_of(update_id) == RELAY_EFFECT:
            # A replay after a crash: the reply went (or was going) out once; never twice.
            await _say(ctx, target, T.RELAY_ALREADY.format(patient_id=target.patient_id),
                       message)
            return
        patient = None if target.patient_id is None else await store.patients.get(
            target.patient_id
        )
    if patient is None or patient.chat_id is None or patient.status != PatientStatus.ACTIVE:
        if patient is not None and patient.status == PatientStatus.FORGOTTEN and target.thread_id:
            await close_orphan_topic(ctx, patient_id=patient.id, chat_id=message.chat.id,
                                     thread_id=target.thread_id, now=now)
        await audit(ctx, actor_id=staff_id, action=ACTION, outcome="refused", target=where,
                    detail=f"patient:{target.patient_id} unreachable")
        await _say(ctx, target,
                   T.RELAY_UNDELIVERABLE.format(patient_id=target.patient_id or "?"), message)
        return
    prefix = patient_texts.t("reply_from_clinic", patient.language, clinic=ctx.settings.clinic.name)
    async with Store(ctx.sessions) as store:
        await store.inbound.record_effect(update_id, RELAY_EFFECT)
        if target.case_id is not None:
            # Before the send: the patient may answer the moment it arrives, and their
            # answer is threaded under this staff message.
            await store.escalations.set_staff_reply(target.case_id, message.message_id)
    steps = (_text_steps(context, patient.chat_id, prefix, message.text or "") if kind is None
             else _media_steps(context, patient.chat_id, prefix, message, kind))
    sent, parts = 0, len(steps)
    try:
        for step in steps:  # in order: each waits for Telegram to take the one before
            await step()
            sent += 1
    except TelegramError as error:
        reason = "blocked" if isinstance(error, Forbidden) else type(error).__name__
        await audit(ctx, actor_id=staff_id, action=ACTION, outcome="error", target=where,
                    detail=f"patient:{patient.id} {reason} after {sent} of {parts}")
        text = (T.RELAY_FAILED.format(patient_id=patient.id, reason=escape(reason)) if sent == 0
                else T.RELAY_PARTIAL.format(sent=sent, parts=parts, patient_id=patient.id,
                                            reason=escape(reason)))
        await _say(ctx, target, text, message)
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
            detail=f"patient:{patient.id}" + (f" parts:{parts}" if parts > 1 else ""), now=now,
        )
    if acknowledged is not None:
        await redraw_card(ctx, acknowledged, now)  # who has it; no Acknowledge button now
    await _say(ctx, target, T.RELAY_SENT.format(patient_id=patient.id) if parts == 1
               else T.RELAY_SENT_PARTS.format(patient_id=patient.id, parts=parts), message)


Step = Callable[[], Awaitable[object]]


def _text_steps(context: ContextTypes.DEFAULT_TYPE, chat_id: int, prefix: str, text: str
                ) -> list[Step]:
    """The messages a staff text becomes (safe HTML), measured on what the patient reads,
    the clinic's heading on the first."""
    heading = utf16_length(visible(prefix))
    pieces = split_text(text, first=MESSAGE_LIMIT - heading, rest=MESSAGE_LIMIT)
    return [
        functools.partial(context.bot.send_message, chat_id,
                          (prefix if index == 0 else "") + escape(piece),
                          parse_mode=ParseMode.HTML)
        for index, piece in enumerate(pieces)
    ]


def _media_steps(context: ContextTypes.DEFAULT_TYPE, chat_id: int, prefix: str,
                 message: Message, kind: str) -> list[Step]:
    """The staff member's media copied to the patient (by reference): the clinic's heading
    and their caption as its caption, what does not fit after it as text; a sticker or a
    round video, which take no caption, after the heading."""
    bot, source = context.bot, (message.chat.id, message.message_id)
    if kind in UNCAPTIONED:
        return [
            functools.partial(bot.send_message, chat_id, prefix.rstrip("\n"),
                              parse_mode=ParseMode.HTML),
            functools.partial(bot.copy_message, chat_id, source[0], source[1]),
        ]
    heading = utf16_length(visible(prefix))
    pieces = split_text(message.caption or "", first=CAPTION_LIMIT - heading,
                        rest=MESSAGE_LIMIT) or [""]
    caption = prefix + escape(pieces[0]) if pieces[0] else prefix.rstrip("\n")
    return [
        functools.partial(bot.copy_message, chat_id, source[0], source[1], caption=caption,
                          parse_mode=ParseMode.HTML),
        *(functools.partial(bot.send_message, chat_id, escape(piece), parse_mode=ParseMode.HTML)
          for piece in pieces[1:]),
    ]


def visible(html_text: str) -> str:
    """What a reader sees of one of our own short HTML headings (tags dropped, entities
    read)."""
    return html.unescape(_TAG.sub("", html_text))
