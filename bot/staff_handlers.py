"""Staff commands: /cancel, /reschedule, /stats, /staff, /myid and staff /help; the table of
staff handlers (patient views are in bot/staff_patients.py)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, ContextTypes

from bot import edits, relay, staff_cases, staff_console, staff_enroll
from bot.context import app_context
from bot.formatting import escape
from bot.staff_access import (
    answer_anyone,
    audit_ok,
    day_form,
    invalid,
    reply,
    staff_only,
    user_id_of,
)
from bot.staff_patients import (
    local,
    parse_id,
    patient_command,
    patients_command,
    read_time,
    session_command,
)
from core.local_time import format_session
from core.texts import staff as T
from core.texts.commands import STAFF_COMMANDS
from services.console_patients import tell_patient_cancelled
from services.context import AppContext
from services.staff_admin import (
    add_staff,
    cancel_patient,
    is_staff,
    list_staff,
    remove_staff,
    reschedule_patient,
    stats,
)

EARLY_GROUP = -1


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the staff handlers (and the alert-chat relay) to `application`."""
    edits.register(application)
    application.add_handler(CommandHandler("help", staff_help), group=EARLY_GROUP)
    relay.register(application, group=EARLY_GROUP)
    staff_enroll.register(application)  # /enroll: a conversation, not a plain handler
    staff_cases.register(application)  # case-card buttons
    for command in STAFF_COMMANDS:
        if command.name != "enroll":
            application.add_handler(CommandHandler(command.name, HANDLERS[command.name]))


async def staff_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Staff get the staff commands; anyone else falls through to the patient /help."""
    ctx = app_context(context)
    if not await is_staff(ctx, user_id_of(update)):
        return
    await reply(update, T.staff_help())
    raise ApplicationHandlerStop


@staff_only("cancel")
async def cancel_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext
) -> None:
    patient_id = parse_id(context.args)
    if patient_id is None or len(context.args or []) != 1:
        await invalid(update, ctx, "cancel", T.CANCEL_USAGE)
        return
    result = await cancel_patient(ctx, patient_id, staff_id=user_id_of(update) or 0)
    if result is None:
        await invalid(update, ctx, "cancel", T.PATIENT_NOT_FOUND.format(id=patient_id),
                      detail=f"patient:{patient_id} not found")
        return
    if not result.enrollments:
        await reply(update, T.CANCEL_NOTHING.format(id=patient_id))
        return
    await reply(
        update,
        T.CANCEL_DONE.format(
            id=patient_id, enrollments=result.enrollments, messages=result.messages
        ),
    )
    # The patient deserves to know why the reminders stopped: told through the outbox, as
    # the console does (retried, paced, kept out of their quiet hours).
    await tell_patient_cancelled(ctx, patient_id, result)


@staff_only("reschedule")
async def reschedule_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext
) -> None:
    args = context.args or []
    usage = T.RESCHEDULE_USAGE.format(
        zone=escape(ctx.settings.clinic.timezone), day_form=day_form(ctx)
    )
    patient_id = parse_id(args)
    if patient_id is None or len(args) < 2 or len(args) > 4:
        await invalid(update, ctx, "reschedule", usage)
        return
    start = await read_time(update, ctx, args[1:], "reschedule", usage)
    if start is None:
        return
    result = await reschedule_patient(ctx, patient_id, start, staff_id=user_id_of(update) or 0)
    if result is None:
        await invalid(update, ctx, "reschedule",
                      T.RESCHEDULE_NO_ENROLLMENT.format(id=patient_id),
                      detail=f"patient:{patient_id} no live enrollment")
        return
    await reply(
        update,
        T.RESCHEDULE_DONE.format(
            id=patient_id, session=format_session(result.session_start, ctx.zone),
            pending=result.replanned, kept=result.kept,
        ),
    )


@staff_only("stats")
async def stats_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext
) -> None:
    figures = await stats(ctx)
    messages = figures.messages
    await reply(
        update,
        T.STATS.format(
            now=local(figures.now, ctx.zone),
            patients=_counts(figures.patients),
            messages=_counts(dict(messages.by_status)),
            backlog=messages.due_backlog,
            failed_24h=figures.failed_24h,
            open_escalations=figures.open_escalations,
            cases="" if figures.cases is None else T.stats_cases(
                dict(figures.cases.opened), dict(figures.cases.acknowledged),
                dict(figures.cases.resolved), figures.cases.open_now,
                figures.cases.ack_median_seconds, figures.cases.ack_p90_seconds,
            ),
        ),
    )
    await audit_ok(ctx, update, "stats", None)


@staff_only("staff", admins=True)
async def staff_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext
) -> None:
    args = context.args or []
    if [a.lower() for a in args] == ["list"]:
        admins, others = await list_staff(ctx)
        await reply(update, T.STAFF_LIST.format(
            admins=", ".join(map(str, admins)) or "—", staff=", ".join(map(str, others)) or "—",
        ))
        return
    target = parse_id(args[1:]) if len(args) == 2 else None
    if target is None or args[0].lower() not in ("add", "remove"):
        await invalid(update, ctx, "staff", T.STAFF_USAGE)
        return
    admin_id = user_id_of(update) or 0
    if args[0].lower() == "add":
        added = await add_staff(ctx, target, admin_id=admin_id)
        await reply(update, (T.STAFF_ADDED if added else T.STAFF_ALREADY).format(user_id=target))
        await staff_console.set_console_button(context.bot, ctx, target, staff=True)
        return
    if target in ctx.settings.staff.admin_ids:
        await invalid(update, ctx, "staff", T.STAFF_IS_ADMIN.format(user_id=target),
                      detail=f"user:{target} settings admin")
        return
    removed = await remove_staff(ctx, target, admin_id=admin_id)
    await reply(update, (T.STAFF_REMOVED if removed else T.STAFF_NOT_FOUND).format(user_id=target))
    if removed:
        await staff_console.set_console_button(context.bot, ctx, target, staff=False)


def _counts(counts: dict[str, int]) -> str:
    shown = [f"{status} {count}" for status, count in sorted(counts.items()) if count]
    return ", ".join(shown) or "none"


async def myid_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Anyone: their user id, and in a group the chat id (what first set-up needs); in a
    group through the outbox, once a minute per person (anyone may send it)."""
    lines = []
    if update.effective_user is not None:
        lines.append(T.MYID_USER.format(user_id=update.effective_user.id))
    chat = update.effective_chat
    if chat is not None and chat.type != "private":
        lines.append(T.MYID_CHAT.format(chat_id=chat.id))
    if lines:
        await answer_anyone(update, app_context(context), "\n".join(lines))


# The staff command table's callbacks, by name (core/texts/commands.py holds the table).


HANDLERS = {
    "myid": myid_command,
    "console": staff_console.console_command,
    "invite": staff_enroll.invite_command,
    "patients": patients_command,
    "patient": patient_command,
    "cancel": cancel_command,
    "reschedule": reschedule_command,
    "session": session_command,
    "stats": stats_command,
    "staff": staff_command,
    "cases": staff_cases.cases_command,
    "case": staff_cases.case_command,
}
