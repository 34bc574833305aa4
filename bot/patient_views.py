"""Rendering for the patient handlers: sending, keyboards, /plan, time-zone replies, alerts."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackContext

from bot import callbacks
from bot.formatting import fit
from bot.staff_topics import forum_check
from core.content import PAIN_MAX
from core.records import ClaimStatus, EscalationRecord, PatientRecord
from core.texts.dates import local_date
from core.texts.patient import button, language_name, t, ui_language
from services import patient_settings, photo_checkins
from services.context import AppContext
from services.inbox import InboxReply, ReplyKind
from services.onboarding import InviteOffer, language_for
from services.patient_settings import PlanView, lookup_zone
from services.planning import patient_zone
from services.staff_alerts import AlertRequest, raise_alert

log = logging.getLogger(__name__)

AWAIT_TIMEZONE = "awaiting_timezone"  # user_data flag: the next text is a time zone


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


def faq_keyboard(
    topics: tuple[tuple[str, str], ...], back: str | None = None
) -> InlineKeyboardMarkup:
    """One button per FAQ topic (button texts are plain text, never HTML); `back`: the
    label of a last button back to the groups."""
    rows = []
    for entry_id, question in topics:
        data = callbacks.data_for(callbacks.FAQ, entry_id)
        if data is not None:
            rows.append([InlineKeyboardButton(question[:120], callback_data=data)])
    if back is not None:
        rows.append([InlineKeyboardButton(back, callback_data=callbacks.FAQ_GROUP)])
    return InlineKeyboardMarkup(rows)


suggestion_keyboard = faq_keyboard


def groups_keyboard(groups: tuple[tuple[str, str], ...], language: str) -> InlineKeyboardMarkup:
    """The /faq headings (entries without a group: "Other questions")."""
    rows = []
    for group_id, name in groups:
        data = callbacks.data_for(callbacks.FAQ_GROUP, group_id)
        label = name or button("faq_group_other", language)
        if data is not None:
            rows.append([InlineKeyboardButton(label[:120], callback_data=data)])
    return InlineKeyboardMarkup(rows)


TOPIC_CHARS = 60


def topic(summary: str) -> str:
    """What a message is about, for /plan: its first line, cut at its first sentence when
    long ("A word on results: the active..." -> "A word on results")."""
    line = summary.strip().rstrip(":.").strip()
    if len(line) > TOPIC_CHARS:
        cuts = [line.find(mark) for mark in (": ", ". ", "? ", "। ")]
        cut = min((c for c in cuts if c > 0), default=-1)
        if cut > 0:
            line = line[: cut + (1 if line[cut] == "?" else 0)]
    return line if len(line) <= TOPIC_CHARS else line[: TOPIC_CHARS - 1] + "…"


def local_format(moment: datetime, zone: ZoneInfo, now: datetime, language: str) -> str:
    """A date and time for /plan: weekday (in the patient's language), day, month, time;
    the year as the language's profile writes it (English: only when not this year)."""
    return local_date("plan_date", moment, zone, now, language)


def describe_when(moment: datetime, zone: ZoneInfo, now: datetime, language: str) -> str:
    """ "today at 18:00", "tomorrow at 08:00", "on Tue 03 Mar at 09:00" (patient-local)."""
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return button("when_today", language).format(time=clock)
    if local.date() == today + timedelta(days=1):
        return button("when_tomorrow", language).format(time=clock)
    day = local_date("day_date", moment, zone, now, language)
    return button("when_date", language).format(date=day, time=clock)


def first_message_line(
    first_due: datetime | None, zone: ZoneInfo, now: datetime, language: str
) -> str:
    """The consent confirmation's line on when the first messages come (plain text)."""
    if first_due is None:
        return button("first_none", language)
    if first_due <= now + timedelta(minutes=2):
        return button("first_now", language)
    return button("first_at", language).format(
        when=describe_when(first_due, zone, now, language)
    )


def plan_text(ctx: AppContext, view: PlanView, language: str) -> str:
    zone = patient_zone(view.zone, ctx.settings)
    now = ctx.clock.now()
    lines = [t("plan_header", language, zone=view.zone)]
    for item in view.items:
        when = local_format(item.due_at, zone, now, language)
        lines.append(t("plan_line", language, when=when, what=topic(item.summary)))
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
) -> EscalationRecord | None:
    """An alert that stores nothing else (a photo check-in's answers, a patient who blocked
    the bot): its case and staff-chat posts (in the patient's forum topic when the staff
    chat has topics); delivery sends them at the group's pace. Returns the case."""
    return await raise_alert(ctx, request, ctx.clock.now(), forum=forum_check(context, ctx))


def swelling_keyboard(checkin_id: int, language: str) -> InlineKeyboardMarkup:
    """"Swollen?" Yes / No."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(button("button_yes", language),
                             callback_data=photo_checkins.swelling_data(checkin_id, True)),
        InlineKeyboardButton(button("button_no", language),
                             callback_data=photo_checkins.swelling_data(checkin_id, False)),
    ]])


def pain_keyboard(checkin_id: int) -> InlineKeyboardMarkup:
    """Pain 0-10, in two rows (0-5, 6-10)."""
    scores = [InlineKeyboardButton(str(n), callback_data=photo_checkins.pain_data(checkin_id, n))
              for n in range(PAIN_MAX + 1)]
    return InlineKeyboardMarkup([scores[:6], scores[6:]])


# --- joining -----------------------------------------------------------------------------

def consent_offer(ctx: AppContext, offer: InviteOffer, code: str, *, chosen: bool = False
                  ) -> tuple[str, InlineKeyboardMarkup]:
    """The consent question with Yes / No and a button per other clinic language. `chosen`:
    the patient picked this language with one of those buttons, so "Yes" carries it (a
    returning patient who picked none keeps theirs)."""
    language = ui_language(offer.language)
    clinic = ctx.settings.clinic
    description = f"{offer.description}\n" if offer.description else ""
    checkins = button("invite_checkins", language) if offer.has_checkins else ""
    text = t("invite_intro", language, clinic=clinic.name, procedure=offer.protocol_name,
             description=description, count=offer.message_count, checkins=checkins)
    rows = [
        [InlineKeyboardButton(button("button_accept", language),
                              callback_data=callbacks.consent_yes(code, offer.language)
                              if chosen else f"{callbacks.CONSENT_YES}{code}")],
        [InlineKeyboardButton(button("button_decline", language),
                              callback_data=f"{callbacks.CONSENT_NO}{code}")],
    ]
    others = [
        InlineKeyboardButton(language_name(other),
                             callback_data=f"{callbacks.CONSENT_LANGUAGE}{other}:{code}")
        for other in clinic.languages
        # Only languages the protocol is written in (a Hindi button on an English-only
        # protocol would promise Hindi care texts it does not have).
        if other != offer.language and other in offer.languages
    ]
    if others:
        rows.append(others)
    return text, InlineKeyboardMarkup(rows)


def code_problem(ctx: AppContext, status: ClaimStatus, cancelled: bool, language: str) -> str:
    """Why a code cannot be used: unknown, used, expired, or cancelled by the clinic."""
    key = "code_cancelled" if cancelled else CODE_TEXT[status]
    return t(key, language, clinic=ctx.settings.clinic.name)


CODE_TEXT = {
    ClaimStatus.UNKNOWN: "code_unknown",
    ClaimStatus.USED: "code_used",
    ClaimStatus.EXPIRED: "code_expired",
    ClaimStatus.THROTTLED: "code_throttled",
    ClaimStatus.OK: "code_unknown",  # never shown: OK codes get the offer
}


# --- free text -----------------------------------------------------------------------------

OFFERED = "offered_language"  # user_data: the language we already offered to switch to


@dataclass(frozen=True)
class Answer:
    """What a view renders: the update to answer, the service's result, the patient's
    language, and how to tell a stranger to ask for an invite."""

    update: Update
    ctx: AppContext
    result: InboxReply
    language: str
    stranger: Callable[[str], Awaitable[None]]

    async def send(self, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
        await send(self.update, text, keyboard)

    async def content(self) -> None:
        """The reply's own content (an FAQ answer, a reassurance), when it has one."""
        if self.result.html:
            await self.send(fit(self.result.html))

    @property
    def contact(self) -> str:
        return self.ctx.settings.clinic.contact_for(self.language)


def closed_note(ctx: AppContext, language: str) -> str | None:
    """Outside `clinic.hours`: the emergency route, with the hours in the patient's
    language (the note after anything urgent: a red flag, a worrying check-in answer)."""
    clinic = ctx.settings.clinic
    if not clinic.hours or clinic.is_open(ctx.clock.now()):
        return None
    return t("after_hours", language, hours=clinic.hours_for(language),
             emergency=clinic.emergency_for(language))


async def _urgent(a: Answer) -> None:
    # "The clinic team has been alerted" only once the case row is written (`alerted`).
    await a.send(fit(a.result.html) + (
        "\n\n" + t("team_alerted", a.language) if a.result.alerted else ""))
    if (note := closed_note(a.ctx, a.language)) is not None:
        await a.send(note)
    if a.result.also_stranger:
        await a.stranger(a.language)


async def _faq(a: Answer) -> None:
    await a.send(fit(a.result.html))
    if a.result.suggestions:
        await a.send(t("did_you_mean", a.language), suggestion_keyboard(a.result.suggestions))


async def _normal(a: Answer) -> None:
    await a.send(fit(a.result.html))


async def _doubtful(a: Answer) -> None:
    await a.send(t("doubtful", a.language,
                   emergency=a.ctx.settings.clinic.emergency_for(a.language)))
    await a.content()


async def _request(a: Answer) -> None:
    await a.send(t("request_passed", a.language, contact=a.contact))
    await a.content()


async def _suggest(a: Answer) -> None:
    close = a.result.alert is None  # close candidates: the patient picks, no case
    await a.send(t("did_you_mean_close" if close else "did_you_mean", a.language),
                 suggestion_keyboard(a.result.suggestions))
    if not close:
        await a.send(t("handoff", a.language, contact=a.contact))


async def _handoff(a: Answer) -> None:
    await a.send(t("handoff", a.language, contact=a.contact))


async def _awaited(a: Answer) -> None:  # the preferred time or comment the bot asked for
    await a.send(a.result.html)


async def _photo_checkin(a: Answer) -> None:
    if a.result.photo_checkin_id is None:
        await a.stranger(a.language)
        return
    await a.content()
    await a.send(t("photo_ask_swelling", a.language),
                 swelling_keyboard(a.result.photo_checkin_id, a.language))


async def _media(a: Answer) -> None:
    await a.content()
    await a.send(t("media_passed", a.language, contact=a.contact))


async def _stopped(a: Answer) -> None:
    await a.send(t("stopped_info", a.language, **a.ctx.settings.clinic.placeholders(a.language)))


async def _quiet(_a: Answer) -> None:
    return  # an album's later message: its first one was answered


async def _stranger(a: Answer) -> None:
    await a.stranger(a.language)


def _text(key: str) -> Callable[[Answer], Awaitable[None]]:
    async def view(a: Answer) -> None:
        await a.send(t(key, a.language))
    return view


# What the patient reads, by the kind of result the inbox returns (one entry per ReplyKind:
# tests/unit/test_patient_views.py checks none is missing).
VIEWS: dict[ReplyKind, Callable[[Answer], Awaitable[None]]] = {
    "urgent": _urgent,
    "faq": _faq,
    "normal": _normal,
    "doubtful": _doubtful,
    "request": _request,
    "fine": _text("fine_news"),
    "suggest": _suggest,
    "handoff": _handoff,
    "smalltalk": _text("smalltalk"),
    "awaited": _awaited,
    "photo_checkin": _photo_checkin,
    "media": _media,
    "stopped": _stopped,
    "empty": _text("empty_text"),
    "quiet": _quiet,
    "stranger": _stranger,
}


async def reply_to_text(
    update: Update, context: CallbackContext[Any, Any, Any, Any], ctx: AppContext,
    result: InboxReply, stranger: Callable[[str], Awaitable[None]],
) -> None:
    """Render what the inbox stored and decided (services/inbox.py): the view of its kind,
    then the offer to switch language."""
    await VIEWS[result.kind](Answer(update, ctx, result, ui_language(result.language), stranger))
    if result.kind != "quiet":
        await _offer_language(update, context, result)


async def not_stored(update: Update, ctx: AppContext, patient: PatientRecord | None) -> None:
    """The service could not store the patient's message with its case: never claim the
    team knows; the clinic's contact and emergency route instead."""
    language = chat_language(update, ctx, patient)
    await send(update, t("alert_not_queued", language,
                         **ctx.settings.clinic.placeholders(language)))


async def _offer_language(
    update: Update, context: CallbackContext[Any, Any, Any, Any], result: InboxReply
) -> None:
    """Once per chat (per run): offer to switch to the language the patient wrote in."""
    offer = result.offer_language
    user_data = context.user_data
    if offer is None or (user_data is not None and user_data.get(OFFERED) == offer):
        return
    if user_data is not None:
        user_data[OFFERED] = offer
    data = callbacks.data_for(callbacks.LANGUAGE, offer)
    if data is None:
        return
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(button("button_language_switch", offer), callback_data=data)]]
    )
    await send(update, t("language_offer", ui_language(offer)), keyboard)
