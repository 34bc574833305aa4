"""/enroll: guided (procedure buttons, session time, label) and one-line; replies link + QR."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.context import app_context
from bot.formatting import escape, fit_caption
from bot.qr import qr_png
from bot.staff_access import (
    example_time,
    invalid,
    reply,
    staff_only,
    still_staff,
    time_hint,
    user_id_of,
)
from core.local_time import format_session
from core.records import row_id
from core.texts import staff as T
from services.context import AppContext
from services.enrollment import (
    AlreadyEnrolled,
    EnrollmentInputError,
    EnrollmentRequest,
    NewInvite,
    check_label,
    enroll,
    parse_enroll_args,
    parse_session_time,
    reissue_invite,
)

PICK_PROTOCOL, PICK_TIME, ASK_LABEL = range(3)
TIMEOUT_SECONDS = 15 * 60
DRAFT_KEY = "enroll_draft"
CANCEL_WORDS = filters.Regex(r"(?i)^\s*cancel\s*$")


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    typed = filters.TEXT & ~filters.COMMAND
    cancel: BaseHandler[Update, ContextTypes.DEFAULT_TYPE, object] = MessageHandler(
        CANCEL_WORDS, cancel_enroll
    )
    with warnings.catch_warnings():
        # PTB warns that callback queries are tracked per chat+user, not per message:
        # exactly what we want (one enrollment in progress per staff member and chat).
        warnings.simplefilter("ignore", PTBUserWarning)
        conversation = ConversationHandler(
            entry_points=[CommandHandler("enroll", enroll_command)],
            states={
                PICK_PROTOCOL: [
                    cancel,
                    CallbackQueryHandler(
                        picked_protocol, callbacks.pattern(callbacks.ENROLL_PROTOCOL)
                    ),
                ],
                PICK_TIME: [
                    cancel,
                    CallbackQueryHandler(picked_time, callbacks.pattern(callbacks.ENROLL_TIME)),
                    MessageHandler(typed, typed_time),
                ],
                ASK_LABEL: [cancel, MessageHandler(typed, typed_label)],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[CommandHandler("cancel_enroll", cancel_enroll)],
            per_user=True,
            per_chat=True,
            allow_reentry=True,
            conversation_timeout=TIMEOUT_SECONDS,
            name="enroll",
        )
    application.add_handler(conversation)
    application.add_handler(CallbackQueryHandler(stale_button, callbacks.pattern(callbacks.ENROLL)))


def _protocol_ids(ctx: AppContext) -> list[str]:
    return sorted(ctx.content.protocols)


def _protocol_list(ctx: AppContext) -> str:
    return ", ".join(
        f"<code>{escape(pid)}</code> ({escape(_protocol_name(ctx, pid))})"
        for pid in _protocol_ids(ctx)
    )


def _protocol_name(ctx: AppContext, protocol_id: str) -> str:
    return ctx.content.protocols[protocol_id].name.get("en")


def _time_hint(ctx: AppContext) -> str:
    return time_hint(ctx)


def usage_for(
    ctx: AppContext, error: EnrollmentInputError, *, rest: str = "", guided: bool = False
) -> str:
    """The reply for a malformed /enroll: what was wrong, and how to do it right. `rest`:
    the one-line command's words after the procedure (for "start with now"); `guided`:
    a step of the guided enrollment, which asks again."""
    details = error.details
    if error.reason == "unknown_protocol":
        given = escape(str(details.get("given", ""))[:64])
        suggestion = details.get("suggestion")
        candidates = details.get("candidates")
        if isinstance(suggestion, str) and suggestion in ctx.content.protocols:
            return T.ENROLL_DID_YOU_MEAN.format(
                given=given, suggestion=escape(suggestion),
                name=escape(_protocol_name(ctx, suggestion)))
        if isinstance(candidates, tuple) and candidates:
            return T.ENROLL_WHICH_PROTOCOL.format(given=given, candidates=" or ".join(
                f"<code>{escape(str(pid))}</code>" for pid in candidates))
        return T.ENROLL_UNKNOWN_PROTOCOL.format(given=given, protocols=_protocol_list(ctx))
    if error.reason == "bad_time":
        problem = str(details.get("problem", "bad"))
        text = (T.ENROLL_BAD_TIME_AGAIN if guided else T.ENROLL_BAD_TIME).format(
            problem=T.time_problem(problem, str(details.get("words", ""))), hint=_time_hint(ctx))
        protocol = details.get("protocol")
        if rest and protocol and problem in ("no_time", "number_first", "ambiguous_day"):
            text += "\n" + T.ENROLL_LABEL_FIRST.format(protocol=escape(str(protocol)),
                                                        rest=escape(rest[:80]))
        return text
    if error.reason == "far_time":
        return T.ENROLL_FAR_TIME.format(hint=_time_hint(ctx))
    if error.reason == "long_label":
        return T.ENROLL_LABEL_TOO_LONG.format(**details)
    return T.ENROLL_USAGE.format(
        zone=escape(ctx.settings.clinic.timezone), protocols=_protocol_list(ctx)
    )


@staff_only("enroll")
async def enroll_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext
) -> int:
    args = context.args or []
    if args:
        try:
            request = parse_enroll_args(
                args, ctx.content.protocols, ctx.zone, ctx.clock.now(),
                date_order=ctx.settings.clinic.date_order,
            )
        except EnrollmentInputError as error:
            rest = " ".join(args[1:])
            await invalid(update, ctx, "enroll", usage_for(ctx, error, rest=rest),
                          detail=error.reason)
            return ConversationHandler.END
        await _create(update, ctx, request)
        return ConversationHandler.END
    ids = _protocol_ids(ctx)
    buttons = [
        [InlineKeyboardButton(
            _protocol_name(ctx, pid), callback_data=f"{callbacks.ENROLL_PROTOCOL}{index}"
        )]
        for index, pid in enumerate(ids)
    ]
    assert context.user_data is not None
    context.user_data[DRAFT_KEY] = {"protocols": ids}
    await reply(update, T.ENROLL_PICK_PROTOCOL, reply_markup=InlineKeyboardMarkup(buttons))
    return PICK_PROTOCOL


@still_staff
async def picked_protocol(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    ctx = app_context(context)
    query = update.callback_query
    assert query is not None and query.data is not None and context.user_data is not None
    await query.answer()
    draft = context.user_data.get(DRAFT_KEY) or {}
    ids: list[str] = draft.get("protocols", [])
    index = query.data.removeprefix(callbacks.ENROLL_PROTOCOL)
    known = index.isdigit() and int(index) < len(ids)
    if not known or ids[int(index)] not in ctx.content.protocols:
        await reply(update, T.ENROLL_STALE_BUTTON)
        return ConversationHandler.END
    protocol_id = ids[int(index)]
    draft["protocol_id"] = protocol_id
    context.user_data[DRAFT_KEY] = draft
    await reply(
        update,
        T.ENROLL_PICK_TIME.format(
            protocol=escape(_protocol_name(ctx, protocol_id)),
            zone=escape(ctx.settings.clinic.timezone), example=example_time(ctx),
        ),
        reply_markup=InlineKeyboardMarkup(_time_buttons(ctx)),
    )
    return PICK_TIME


def _time_buttons(ctx: AppContext) -> list[list[InlineKeyboardButton]]:
    """Now; the next two full hours today; tomorrow 10:00 (clinic time)."""
    now = ctx.clock.now()
    local_now = now.astimezone(ctx.zone)
    rows = [[InlineKeyboardButton(T.ENROLL_NOW_BUTTON, callback_data=callbacks.ENROLL_NOW)]]
    hour = local_now.replace(minute=0, second=0, microsecond=0)
    today = []
    for step in (1, 2):
        slot = hour + timedelta(hours=step)
        if slot.date() == local_now.date():
            today.append(
                InlineKeyboardButton(
                    T.ENROLL_TODAY_BUTTON.format(time=slot.strftime("%H:%M")),
                    callback_data=f"{callbacks.ENROLL_TIME}{int(slot.timestamp())}",
                )
            )
    if today:
        rows.append(today)
    tomorrow = (local_now + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    rows.append(
        [
            InlineKeyboardButton(
                T.ENROLL_TOMORROW_BUTTON.format(time="10:00"),
                callback_data=f"{callbacks.ENROLL_TIME}{int(tomorrow.timestamp())}",
            )
        ]
    )
    return rows


@still_staff
async def picked_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    ctx = app_context(context)
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    value = query.data.removeprefix(callbacks.ENROLL_TIME)
    if value == "now":
        start = ctx.clock.now()
    elif value.isdigit():
        start = datetime.fromtimestamp(int(value), tz=UTC)
    else:
        await reply(update, T.ENROLL_STALE_BUTTON)
        return ConversationHandler.END
    return await _ask_label(update, context, ctx, start)


@still_staff
async def typed_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    ctx = app_context(context)
    assert update.effective_message is not None
    try:
        start = parse_session_time(
            update.effective_message.text or "", ctx.zone, ctx.clock.now(),
            date_order=ctx.settings.clinic.date_order,
        )
    except EnrollmentInputError as error:
        await invalid(update, ctx, "enroll", usage_for(ctx, error, guided=True),
                      detail=error.reason)
        return PICK_TIME
    return await _ask_label(update, context, ctx, start)


async def _ask_label(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext, start: datetime
) -> int:
    assert context.user_data is not None
    draft = context.user_data.get(DRAFT_KEY) or {}
    if "protocol_id" not in draft:
        await reply(update, T.ENROLL_STALE_BUTTON)
        return ConversationHandler.END
    draft["session_start"] = start
    context.user_data[DRAFT_KEY] = draft
    await reply(update, T.ENROLL_ASK_LABEL.format(session=_local(ctx, start)))
    return ASK_LABEL


@still_staff
async def typed_label(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    ctx = app_context(context)
    assert update.effective_message is not None and context.user_data is not None
    try:
        label = check_label(update.effective_message.text)
    except EnrollmentInputError as error:
        await invalid(update, ctx, "enroll", usage_for(ctx, error), detail=error.reason)
        return ASK_LABEL
    draft = context.user_data.pop(DRAFT_KEY, None) or {}
    if "protocol_id" not in draft or "session_start" not in draft:
        await reply(update, T.ENROLL_STALE_BUTTON)
        return ConversationHandler.END
    request = EnrollmentRequest(
        protocol_id=draft["protocol_id"], session_start=draft["session_start"], label=label
    )
    await _create(update, ctx, request)
    return ConversationHandler.END


async def cancel_enroll(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if context.user_data is not None:
        context.user_data.pop(DRAFT_KEY, None)
    await reply(update, T.ENROLL_CANCELLED)
    return ConversationHandler.END


async def timed_out(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if context.user_data is not None:
        context.user_data.pop(DRAFT_KEY, None)
    await reply(update, T.ENROLL_TIMED_OUT)


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A procedure/time button pressed outside a running enrollment."""
    query = update.callback_query
    assert query is not None
    await query.answer(T.ENROLL_STALE_BUTTON, show_alert=False)


def _local(ctx: AppContext, moment: datetime) -> str:
    return format_session(moment, ctx.zone)


async def _create(update: Update, ctx: AppContext, request: EnrollmentRequest) -> None:
    """Create the enrollment, then send the link as text and as a QR photo."""
    try:
        invite = await enroll(ctx, request, staff_id=user_id_of(update), now=ctx.clock.now(),
                              update_id=update.update_id)
    except AlreadyEnrolled as done:
        await reply(update, T.ENROLL_ALREADY_DONE.format(patient_id=done.patient_id))
        return
    await send_invite(update, ctx, invite)


@staff_only("invite")
async def invite_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext
) -> None:
    """/invite <patient-id>: a new link for a patient who has not joined (the old one stops
    working), e.g. when the first never reached them."""
    args = context.args or []
    patient_id = row_id(args[0]) if len(args) == 1 and args[0].isdigit() else None
    if patient_id is None:
        await invalid(update, ctx, "invite", T.INVITE_USAGE)
        return
    invite = await reissue_invite(ctx, patient_id, staff_id=user_id_of(update),
                                  now=ctx.clock.now())
    if invite is None:
        await invalid(update, ctx, "invite", T.INVITE_NOT_INVITED.format(id=patient_id),
                      detail=f"patient:{patient_id} not invited")
        return
    await send_invite(update, ctx, invite)


async def send_invite(update: Update, ctx: AppContext, invite: NewInvite) -> None:
    """The link as text (with the session restated) and as a QR photo."""
    label = f" ({escape(invite.label)})" if invite.label else ""
    await reply(
        update,
        T.ENROLL_DONE.format(
            patient_id=invite.patient_id,
            label=label,
            protocol=escape(_protocol_name(ctx, invite.protocol_id)),
            session=_local(ctx, invite.session_start),
            expires=_local(ctx, invite.expires_at),
            link=escape(invite.link),
        ),
        link_preview_options=None,
    )
    chat = update.effective_chat
    assert chat is not None
    await update.get_bot().send_photo(
        chat.id,
        InputFile(qr_png(invite.link), filename=f"invite-{invite.patient_id}.png"),
        caption=fit_caption(T.ENROLL_QR_CAPTION.format(patient_id=invite.patient_id)),
    )
