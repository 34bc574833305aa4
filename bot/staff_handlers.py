"""Staff commands: /cancel, /reschedule, /stats, /staff, /myid and staff /help; the table of
staff handlers (patient views are in bot/staff_patients.py)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, ContextTypes

from bot import (
    edits,
    relay,
    staff_cancel,
    staff_cases,
    staff_console,
    staff_enroll,
    staff_names,
    staff_returning,
)
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
    MAX_TIME_WORDS,
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
from services.access import add_staff, is_staff, list_staff, remove_staff
from services.context import AppContext
from services.course_stats import course_figures
from services.onboarding import patient_for_chat
from services.sessions import reschedule_patient
from services.staff_directory import find_username, names_for
from services.stats import stats

EARLY_GROUP = -1


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the staff handlers (and the alert-chat relay) to `application`."""
    staff_names.register(application)  # group -3: names noted before anything acts
    edits.register(application)
    application.add_handler(CommandHandler("help", staff_help), group=EARLY_GROUP)
    relay.register(application, group=EARLY_GROUP)
    staff_enroll.register(application)  # /enroll: a conversation, not a plain handler
    staff_cases.register(application)  # case-card buttons
    staff_cancel.register(application)  # /cancel's Yes / No and Undo buttons
    staff_returning.register(application)  # "Add to #4" / "Keep apart"
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


@staff_only("reschedule")
async def reschedule_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext
) -> None:
    args = context.args or []
    usage = T.RESCHEDULE_USAGE.format(
        zone=escape(ctx.settings.clinic.timezone), day_form=day_form(ctx)
    )
    patient_id = parse_id(args)
    if patient_id is None or len(args) < 2 or len(args) > MAX_TIME_WORDS + 1:
        await invalid(update, ctx, "reschedule", usage)
        return
    start = await read_time(update, ctx, args[1:], "reschedule", usage)
    if start is None:
        return
    result = await reschedule_patient(ctx, patient_id, start, staff_id=user_id_of(update) or 0,
                                      now=ctx.clock.now())
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
    figures = await stats(ctx, now=ctx.clock.now())
    course = await course_figures(ctx, now=ctx.clock.now())
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
            course=T.stats_course(
                invited=course.reach.invited, joined=course.reach.joined,
                active=course.reach.active, completed=course.reach.completed,
                courses_completed=course.completed, dropped=course.dropped,
                lapsed=course.lapsed, going=course.active, average=course.average,
                answered=course.answered, rate=course.response_rate,
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
        names = await names_for(ctx, [*admins, *others])
        await reply(update, T.STAFF_LIST.format(
            admins=T.staff_roster(admins, names), staff=T.staff_roster(others, names)))
        return
    if len(args) != 2 or args[0].lower() not in ("add", "remove"):
        await invalid(update, ctx, "staff", T.STAFF_USAGE)
        return
    target = await _staff_target(update, ctx, args[1])
    if target is None:
        return
    admin_id = user_id_of(update) or 0
    names = await names_for(ctx, [target])
    who = T.named_user(target, names)
    if args[0].lower() == "add":
        added = await add_staff(ctx, target, admin_id=admin_id)
        await reply(update, (T.STAFF_ADDED if added else T.STAFF_ALREADY).format(who=who))
        await staff_console.set_console_button(context.bot, ctx, target, staff=True)
        return
    if target in ctx.settings.staff.admin_ids:
        await invalid(update, ctx, "staff", T.STAFF_IS_ADMIN.format(who=who),
                      detail=f"user:{target} settings admin")
        return
    removed = await remove_staff(ctx, target, admin_id=admin_id)
    await reply(update, (T.STAFF_REMOVED if removed else T.STAFF_NOT_FOUND).format(who=who))
    if removed:
        await staff_console.set_console_button(context.bot, ctx, target, staff=False)


async def _staff_target(update: Update, ctx: AppContext, typed: str) -> int | None:
    """The user id `/staff add|remove` names: a number, or an @username the bot has seen
    (None after saying why not)."""
    if typed.startswith("@"):
        seen = await find_username(ctx, typed)
        if seen is None:
            await invalid(update, ctx, "staff", T.STAFF_UNSEEN.format(username=escape(typed[:40])),
                          detail="username not seen")
            return None
        return seen.user_id
    target = parse_id([typed])
    if target is None:
        await invalid(update, ctx, "staff", T.STAFF_USAGE)
    return target


def _counts(counts: dict[str, int]) -> str:
    shown = [f"{status} {count}" for status, count in sorted(counts.items()) if count]
    return ", ".join(shown) or "none"


async def myid_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Anyone: their user id, and in a group the chat id (what first set-up needs); in a
    group through the outbox, once a minute per person (anyone may send it). Someone
    asking in private who is no patient may be staff to be: their name is noted, so that
    `/staff add @username` finds them."""
    lines = []
    user = update.effective_user
    if user is not None:
        lines.append(T.MYID_USER.format(user_id=user.id))
    chat = update.effective_chat
    if chat is not None and chat.type != "private":
        lines.append(T.MYID_CHAT.format(chat_id=chat.id))
    if user is not None and chat is not None and chat.type == "private":
        ctx = app_context(context)
        if await patient_for_chat(ctx, chat.id) is None:
            await staff_names.remember(ctx, user)
    if lines:
        await answer_anyone(update, app_context(context), "\n".join(lines))


# The staff command table's callbacks, by name (core/texts/commands.py holds the table).


HANDLERS = {
    "myid": myid_command,
    "console": staff_console.console_command,
    "invite": staff_enroll.invite_command,
    "patients": patients_command,
    "patient": patient_command,
    "cancel": staff_cancel.cancel_command,
    "undo": staff_cancel.undo_command,
    "reschedule": reschedule_command,
    "session": session_command,
    "stats": stats_command,
    "staff": staff_command,
    "cases": staff_cases.cases_command,
    "case": staff_cases.case_command,
}
