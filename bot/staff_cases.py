"""Cases in Telegram: the card's buttons (Acknowledge / Resolve / Assign to me), /cases and
/case <id>. The rules and the audit are services/cases.py; wording core/texts/staff.py and
core/texts/alerts.py."""

from __future__ import annotations

import contextlib
import html
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot import callbacks
from bot.context import app_context
from bot.formatting import fit
from bot.staff_access import invalid, reply, staff_only, user_id_of
from bot.staff_patients import parse_id
from core.records import EscalationRecord
from core.statuses import EscalationStatus
from core.texts import staff as T
from core.texts.alerts import (
    BUTTON_ACKNOWLEDGE,
    BUTTON_ASSIGN,
    BUTTON_RESOLVE,
    away_from_card,
)
from services.cases import CaseAction, act, card_text, clock_text, get_case, open_cases
from services.context import AppContext
from services.staff_directory import names_for
from services.staff_notices import record_post

log = logging.getLogger(__name__)
LIST_LIMIT = 50


def case_keyboard(case_id: int, status: str = EscalationStatus.OPEN) -> InlineKeyboardMarkup | None:
    """The card's buttons for a case in `status` (none once resolved)."""
    if status == EscalationStatus.RESOLVED:
        return None
    row = []
    if status == EscalationStatus.OPEN:
        row.append(InlineKeyboardButton(BUTTON_ACKNOWLEDGE,
                                        callback_data=callbacks.case("a", case_id)))
    row.append(InlineKeyboardButton(BUTTON_RESOLVE, callback_data=callbacks.case("r", case_id)))
    row.append(InlineKeyboardButton(BUTTON_ASSIGN, callback_data=callbacks.case("m", case_id)))
    return InlineKeyboardMarkup([row])


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(
        CallbackQueryHandler(case_button, pattern=callbacks.pattern(callbacks.CASE))
    )


async def case_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A card button: staff only (else refused and audited), then the card is edited."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    ctx = app_context(context)
    parsed = callbacks.split_case(query.data)
    if parsed is None:
        await query.answer()
        return
    action, case_id = parsed
    result = await act(ctx, case_id, CaseAction(action), user_id_of(update))
    if result.outcome == "refused":
        await query.answer(T.CASE_REFUSED, show_alert=True)
        return
    if result.case is None:
        await query.answer(T.CASE_UNKNOWN)
        return
    if result.outcome == "ok":
        await query.answer(T.CASE_DONE[action])
    else:  # someone was first (or it already was so): say who
        await query.answer(await taken_text(ctx, result.case, action, user_id_of(update)),
                           show_alert=True)
    await refresh_card(context, ctx, result.case)
    pressed = query.message
    if pressed is not None and (pressed.chat.id, pressed.message_id) != (
            result.case.alert_chat_id, result.case.alert_message_id):
        # An earlier card of the case (it got a fresh one when it became urgent again) or
        # the /case answer: its buttons now show what can still be done.
        with contextlib.suppress(TelegramError):
            await context.bot.edit_message_reply_markup(
                pressed.chat.id, pressed.message_id,
                reply_markup=case_keyboard(result.case.id, result.case.status))


async def refresh_card(
    context: ContextTypes.DEFAULT_TYPE, ctx: AppContext, case: EscalationRecord
) -> None:
    """Edit the case's card to show who has it and when (nothing if it was never posted)."""
    if case.alert_chat_id is None or case.alert_message_id is None:
        return
    text = fit(await card_text(ctx, case))
    with contextlib.suppress(TelegramError):  # unchanged text, deleted card: nothing to do
        await context.bot.edit_message_text(
            text, chat_id=case.alert_chat_id, message_id=case.alert_message_id,
            reply_markup=case_keyboard(case.id, case.status),
        )


async def taken_text(ctx: AppContext, case: EscalationRecord, action: str,
                     me: int | None) -> str:
    """Why an action on `case` changed nothing: who was first, by name."""
    names = await names_for(ctx, [case.acknowledged_by, case.resolved_by, case.assigned_to])
    return T.case_taken(action=action, status=case.status, me=me,
                        acknowledged_by=case.acknowledged_by, resolved_by=case.resolved_by,
                        assigned_to=case.assigned_to, closed_reason=case.closed_reason,
                        names=names)


def case_line(ctx: AppContext, case: EscalationRecord,
              names: dict[int, str] | None = None) -> str:
    age = (ctx.clock.now() - case.created_at).total_seconds()
    return T.CASES_LINE.format(
        id=case.id, kind=T.case_label(case.kind),
        patient=case.patient_id if case.patient_id is not None else "?",
        age=T.case_age(age),
        holder=T.case_holder(case.status, case.acknowledged_by, case.assigned_to, names),
    )


@staff_only("cases")
async def cases_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext
) -> None:
    cases = await open_cases(ctx, LIST_LIMIT + 1)
    if not cases:
        await reply(update, T.CASES_NONE)
        return
    lines = [T.CASES_HEADING.format(count=len(cases) if len(cases) <= LIST_LIMIT
                                    else f"{LIST_LIMIT}+")]
    names = await names_for(ctx, [who for case in cases
                                  for who in (case.acknowledged_by, case.assigned_to)])
    lines += [case_line(ctx, case, names) for case in cases[:LIST_LIMIT]]
    if len(cases) > LIST_LIMIT:
        lines.append(T.CASES_MORE)
    await reply(update, "\n".join(lines))


@staff_only("case")
async def case_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext
) -> None:
    case_id = parse_id(context.args)
    if case_id is None or len(context.args or []) != 1:
        await invalid(update, ctx, "case", T.CASE_USAGE)
        return
    found = await get_case(ctx, case_id)
    if found is None:
        await invalid(update, ctx, "case", T.CASE_NOT_FOUND.format(id=case_id),
                      detail=f"case:{case_id} not found")
        return
    case, messages = found
    lines = [
        T.CASE_HEADING.format(id=case.id, kind=T.case_label(case.kind),
                              status=case.status, opened=clock_text(ctx, case.created_at)),
        away_from_card(await card_text(ctx, case)),
    ]
    if messages:
        lines.append(T.CASE_MESSAGES.format(count=len(messages)))
        lines += [
            T.CASE_MESSAGE_LINE.format(
                at=clock_text(ctx, m.at), kind=T.case_label(m.kind),
                words=html.escape(m.patient_text or "…", quote=False),
            )
            for m in messages
        ]
    answer = await reply(update, "\n\n".join(lines),
                         reply_markup=case_keyboard(case.id, case.status))
    if answer is not None and case.patient_id is not None and (
            answer.chat.id == ctx.settings.staff.alert_chat_id):
        # A card of the case in the staff chat: recorded, so that erasure edits it too.
        await record_post(ctx, chat_id=answer.chat.id, message_id=answer.message_id,
                          about_patient_id=case.patient_id, case_id=case.id)
