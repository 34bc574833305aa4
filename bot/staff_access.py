"""The staff gate: every staff command goes through it (refusals are polite and audited)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes, ConversationHandler

from bot.context import app_context
from bot.formatting import escape, fit
from core.texts import staff as T
from services.access import audit, is_admin, is_staff
from services.context import AppContext
from services.staff_notices import queue_refusal

StaffCallback = Callable[[Update, ContextTypes.DEFAULT_TYPE, AppContext], Awaitable[Any]]
# PTB wants handler callbacks typed as coroutine functions, not just awaitables.
Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, Any]]


def user_id_of(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user else None


async def reply(update: Update, text: str, **kwargs: Any) -> Message | None:
    """Answer in the chat the update came from (HTML, fitted to Telegram's limit)."""
    chat = update.effective_chat
    if chat is None:
        return None
    bot = update.get_bot()
    return await bot.send_message(chat.id, fit(text), **kwargs)


async def answer_anyone(update: Update, ctx: AppContext, text: str) -> None:
    """An answer anyone may get (a refusal, /myid) where the update came from: in a private
    chat at once; in a group through the outbox, paced with the group's posts and at most
    once a minute per person (a refused attempt is audited by the caller every time), so
    nobody can jam the group by being answered."""
    chat = update.effective_chat
    if chat is None:
        return
    if chat.type == "private":
        await reply(update, text)
        return
    message = update.effective_message
    thread = (message.message_thread_id
              if message is not None and message.is_topic_message else None)
    await queue_refusal(ctx, chat_id=chat.id, user_id=user_id_of(update), text=fit(text),
                        now=ctx.clock.now(), thread_id=thread)


def staff_only(action: str, *, admins: bool = False) -> Callable[[StaffCallback], Callback]:
    """Wrap a staff handler: non-staff (or non-admins when `admins`) get a refusal + audit.

    A refusal returns ConversationHandler.END, so a refused /enroll opens no conversation.
    """

    def decorate(handler: StaffCallback) -> Callback:
        @functools.wraps(handler)
        async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Any:
            ctx = app_context(context)
            user_id = user_id_of(update)
            if not in_staff_place(update, ctx):
                await audit(ctx, actor_id=user_id, action=action, outcome="refused",
                            detail="not the staff chat")
                await answer_anyone(update, ctx, T.WRONG_CHAT)
                return ConversationHandler.END
            allowed = await (is_admin if admins else is_staff)(ctx, user_id)
            if not allowed:
                staff = admins and await is_staff(ctx, user_id)
                await audit(
                    ctx, actor_id=user_id, action=action, outcome="refused",
                    detail="not admin" if staff else "not staff",
                )
                await answer_anyone(update, ctx, T.NOT_ADMIN if staff else T.NOT_STAFF)
                return ConversationHandler.END
            return await handler(update, context, ctx)

        return guarded

    return decorate


def in_staff_place(update: Update, ctx: AppContext) -> bool:
    """Staff commands answer in private chats and in the staff alert chat only: labels and
    claimable invite links never go to another group."""
    chat = update.effective_chat
    return chat is None or chat.type == "private" or chat.id == ctx.settings.staff.alert_chat_id


def still_staff(handler: Callback) -> Callback:
    """For the later steps of a staff conversation: someone removed from staff mid-way
    does not finish it (refused, audited, the draft dropped)."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Any:
        ctx = app_context(context)
        user_id = user_id_of(update)
        if await is_staff(ctx, user_id):
            return await handler(update, context)
        await audit(ctx, actor_id=user_id, action="enroll", outcome="refused",
                    detail="not staff any more")
        if context.user_data is not None:
            context.user_data.clear()
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer()
        await answer_anyone(update, ctx, T.NOT_STAFF)
        return ConversationHandler.END

    return guarded


async def invalid(
    update: Update, ctx: AppContext, action: str, text: str, *, detail: str | None = None
) -> None:
    """A usage reply for malformed staff input, audited as `invalid`."""
    await audit(ctx, actor_id=user_id_of(update), action=action, outcome="invalid", detail=detail)
    await reply(update, text)


def day_form(ctx: AppContext) -> str:
    """How this clinic writes a date, for hints: DD/MM/YYYY or MM/DD/YYYY."""
    return "MM/DD/YYYY" if ctx.settings.clinic.date_order == "MDY" else "DD/MM/YYYY"


def example_time(ctx: AppContext) -> str:
    """Tomorrow 10:00 written the clinic's way, for hints."""
    tomorrow = (ctx.clock.now().astimezone(ctx.zone) + timedelta(days=1)).date()
    pattern = "%m/%d/%Y" if ctx.settings.clinic.date_order == "MDY" else "%d/%m/%Y"
    return f"{tomorrow.strftime(pattern)} 10:00"


def time_hint(ctx: AppContext) -> str:
    """The accepted ways to type a session time, for a reply to one that could not be read."""
    return T.TIME_HINT.format(
        day_form=day_form(ctx), zone=escape(ctx.settings.clinic.timezone),
        example=example_time(ctx),
    )


async def audit_ok(ctx: AppContext, update: Update, action: str, target: str | None) -> None:
    """Record a staff action that succeeded."""
    await audit(ctx, actor_id=user_id_of(update), action=action, outcome="ok", target=target)
