"""/console: a one-time sign-in link to the staff console; the Mini App menu button."""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import LinkPreviewOptions, MenuButtonDefault, MenuButtonWebApp, Update, WebAppInfo
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.formatting import escape
from bot.staff_access import reply, staff_only, user_id_of
from core.texts import staff as T
from services.access import list_staff
from services.console_signin import issue_link
from services.context import AppContext


@staff_only("console")
async def console_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext
) -> None:
    """A sign-in link (single use, short-lived) in the staff member's private chat only:
    a link is a credential, never posted in a group."""
    if update.effective_chat is None or update.effective_chat.type != "private":
        await reply(update, T.CONSOLE_PRIVATE_ONLY)
        return
    link = await issue_link(ctx, ctx.settings.console, user_id=user_id_of(update) or 0)
    if link is None:
        await reply(update, T.CONSOLE_OFF)
        return
    await reply(
        update,
        T.CONSOLE_LINK.format(
            url=escape(link.url), minutes=int(ctx.settings.console.link_minutes)
        ),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


async def set_console_buttons(
    application: Application[Any, Any, Any, Any, Any, Any], ctx: AppContext
) -> None:
    """Staff get a "Console" menu button that opens the console as a Mini App (Telegram
    needs an https URL; without one there is no button)."""
    for user_id in await _staff_ids(ctx):
        await set_console_button(application.bot, ctx, user_id, staff=True)


async def set_console_button(bot: Any, ctx: AppContext, user_id: int, *, staff: bool) -> None:
    """The Console button for a staff member, the default menu for one who left."""
    url = ctx.settings.console.url
    if not url or not url.startswith("https://"):
        return
    button = (
        MenuButtonWebApp(text="Console", web_app=WebAppInfo(url=f"{url}/"))
        if staff else MenuButtonDefault()
    )
    with contextlib.suppress(TelegramError):  # someone who never opened the bot
        await bot.set_chat_menu_button(chat_id=user_id, menu_button=button)


async def _staff_ids(ctx: AppContext) -> set[int]:
    admins, others = await list_staff(ctx)
    return {*admins, *others}
