"""/cancel asks first (buttons), then cancels the patient's care; /undo or the Undo button
puts it back for a day (services/cancellations.py). Every press is staff-only and audited."""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot import callbacks
from bot.context import app_context
from bot.formatting import escape, fit
from bot.staff_access import invalid, reply, staff_only, user_id_of
from bot.staff_patients import label_of, parse_id
from core.local_time import format_session
from core.texts import staff as T
from services.access import audit, is_staff
from services.cancellations import (
    CancelResult,
    UndoResult,
    cancel_care,
    preview_cancel,
    undo_cancel,
)
from services.context import AppContext
from services.patient_lookup import patient_detail


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CallbackQueryHandler(
        cancel_button, pattern=callbacks.pattern(callbacks.CANCEL)))


def _protocol_name(ctx: AppContext, protocol_id: str) -> str:
    protocol = ctx.content.protocols.get(protocol_id)
    return protocol.name.get("en") if protocol else protocol_id


@staff_only("cancel")
async def cancel_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext
) -> None:
    """/cancel <id>: what would stop, and Yes / No buttons; nothing changes yet."""
    patient_id = parse_id(context.args)
    if patient_id is None or len(context.args or []) != 1:
        await invalid(update, ctx, "cancel", T.CANCEL_USAGE)
        return
    preview = await preview_cancel(ctx, patient_id)
    if preview is None:
        await invalid(update, ctx, "cancel", T.PATIENT_NOT_FOUND.format(id=patient_id),
                      detail=f"patient:{patient_id} not found")
        return
    if not preview.protocols:
        status = await shown_status_of(ctx, patient_id)
        await reply(update, T.CANCEL_NOTHING.format(id=patient_id, status=status))
        return
    keyboard = InlineKeyboardMarkup([[
        InlineKeyboardButton(T.CANCEL_BUTTON_YES,
                             callback_data=callbacks.cancel("y", patient_id)),
        InlineKeyboardButton(T.CANCEL_BUTTON_NO,
                             callback_data=callbacks.cancel("n", patient_id)),
    ]])
    await reply(update, T.CANCEL_CONFIRM.format(
        id=patient_id, label=label_of(preview.patient),
        procedures=", ".join(escape(_protocol_name(ctx, p)) for p in preview.protocols),
        pending=preview.pending, told=T.CANCEL_TELLS if preview.tells_patient
        else T.CANCEL_UNTOLD,
    ), reply_markup=keyboard)


async def shown_status_of(ctx: AppContext, patient_id: int) -> str:
    detail = await patient_detail(ctx, patient_id)
    return "—" if detail is None else detail.status


@staff_only("undo")
async def undo_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext
) -> None:
    """/undo: the caller's latest cancel; /undo <id>: that patient's latest."""
    args = context.args or []
    patient_id = parse_id(args) if args else None
    if len(args) > 1 or (args and patient_id is None):
        await invalid(update, ctx, "cancel.undo", T.UNDO_USAGE)
        return
    result = await undo_cancel(ctx, staff_id=user_id_of(update) or 0, patient_id=patient_id,
                               now=ctx.clock.now())
    await reply(update, undo_text(result, patient_id))


def undo_text(result: UndoResult, patient_id: int | None = None) -> str:
    """What an undo did, or why it did not."""
    if result.outcome == "ok":
        return T.UNDO_DONE.format(id=result.patient_id, enrollments=result.enrollments,
                                  planned=result.planned,
                                  told=T.UNDO_TOLD if result.told else "")
    whose = f" for patient #{patient_id}" if patient_id is not None else ""
    template = T.UNDO_PROBLEMS.get(result.outcome, T.UNDO_PROBLEMS["none"])
    return template.format(id=result.patient_id or patient_id or "?", whose=whose)


async def cancel_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Yes / No under the question, Undo under the answer: staff only (else refused and
    audited); the message is edited to say what happened, its buttons gone."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    ctx = app_context(context)
    parsed = callbacks.split_cancel(query.data)
    user_id = user_id_of(update)
    if parsed is None:
        with contextlib.suppress(TelegramError):
            await query.answer()
        return
    action, number = parsed
    if not await is_staff(ctx, user_id):
        await audit(ctx, actor_id=user_id, action="cancel", outcome="refused",
                    detail="button: not staff")
        with contextlib.suppress(TelegramError):
            await query.answer(T.CASE_REFUSED, show_alert=True)
        return
    with contextlib.suppress(TelegramError):
        await query.answer()
    if action == "n":
        await _edit(update, T.CANCEL_KEPT.format(id=number))
        return
    if action == "u":
        result = await undo_cancel(ctx, staff_id=user_id or 0, cancellation_id=number,
                                   now=ctx.clock.now())
        await _edit(update, undo_text(result))
        return
    done = await cancel_care(ctx, number, staff_id=user_id or 0, now=ctx.clock.now())
    if done is None or done.cancellation is None:
        status = await shown_status_of(ctx, number)
        await _edit(update, T.CANCEL_NOTHING.format(id=number, status=status))
        return
    await _edit(update, done_text(ctx, number, done), InlineKeyboardMarkup([[
        InlineKeyboardButton(T.CANCEL_BUTTON_UNDO,
                             callback_data=callbacks.cancel("u", done.cancellation.id))]]))


def done_text(ctx: AppContext, patient_id: int, done: CancelResult) -> str:
    assert done.cancellation is not None
    return T.CANCEL_DONE.format(
        id=patient_id, enrollments=done.enrollments, messages=done.messages,
        told=T.CANCEL_DONE_TOLD if done.notify_chat_id is not None else T.CANCEL_DONE_UNTOLD,
        until=format_session(done.cancellation.undo_until, ctx.zone),
    )


async def _edit(update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None
                ) -> None:
    """Replace the question (or answer) with `text`; a new message if it cannot be edited."""
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(fit(text), reply_markup=keyboard)
    except TelegramError:
        await reply(update, text, reply_markup=keyboard)

