"""Staff commands: /patients, /patient, /cancel, /reschedule, /stats, /staff and staff /help."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, ContextTypes

from bot import relay, staff_enroll
from bot.context import app_context
from bot.formatting import chunks, escape
from bot.staff_access import day_form, invalid, reply, staff_only, user_id_of
from core.local_time import format_local_minute, format_session
from core.records import PatientRecord
from core.texts import patient as patient_texts
from core.texts import staff as T
from core.texts.commands import STAFF_COMMANDS
from services.context import AppContext
from services.enrollment import EnrollmentInputError, parse_session_time
from services.planning import patient_zone
from services.staff_admin import (
    add_staff,
    audit,
    cancel_patient,
    is_staff,
    list_patients,
    patient_detail,
    remove_staff,
    reschedule_patient,
    stats,
)

LABEL_IN_LIST = 60  # characters of a label shown in /patients (full label in /patient)
# Handler groups: the staff gate for /help and the relay run before everything else.
EARLY_GROUP = -1


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the staff handlers (and the alert-chat relay) to `application`."""
    application.add_handler(CommandHandler("help", staff_help), group=EARLY_GROUP)
    relay.register(application, group=EARLY_GROUP)
    staff_enroll.register(application)  # /enroll: a conversation, not a plain handler
    for command in STAFF_COMMANDS:
        if command.name != "enroll":
            application.add_handler(CommandHandler(command.name, HANDLERS[command.name]))


def local(moment: datetime | None, zone: ZoneInfo) -> str:
    return "—" if moment is None else format_local_minute(moment, zone)


def label_of(patient: PatientRecord, limit: int | None = None) -> str:
    """The label as typed, escaped (optionally shortened first), or a placeholder."""
    if not patient.label:
        return T.PATIENT_NO_LABEL
    label = patient.label
    if limit is not None and len(label) > limit:
        label = label[: limit - 1] + "…"
    return escape(label)


def parse_id(args: list[str] | None) -> int | None:
    if not args or not args[0].lstrip("#").isdigit() or len(args[0]) > 12:
        return None
    return int(args[0].lstrip("#"))


async def staff_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Staff get the staff commands; anyone else falls through to the patient /help."""
    ctx = app_context(context)
    if not await is_staff(ctx, user_id_of(update)):
        return
    await reply(update, T.staff_help())
    raise ApplicationHandlerStop


@staff_only("patients")
async def patients_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext
) -> None:
    args = context.args or []
    page = int(args[0]) if args and args[0].isdigit() and 0 < int(args[0]) < 10_000 else 1
    listing = await list_patients(ctx, page=page)
    if not listing.rows:
        await reply(update, T.PATIENTS_NONE)
        return
    lines = [T.PATIENTS_HEADER.format(page=page)]
    for row in listing.rows:
        lines.append(
            T.PATIENT_LINE.format(
                id=row.patient.id,
                label=label_of(row.patient, LABEL_IN_LIST),
                protocol=escape(row.enrollment.protocol_id) if row.enrollment else "—",
                status=row.patient.status,
                next=local(row.next_due, patient_zone(row.patient.timezone, ctx.settings)),
            )
        )
    if listing.has_more:
        lines.append(T.PATIENTS_MORE.format(next_page=page + 1))
    for part in chunks("\n".join(lines)):
        await reply(update, part)
    await _audit_ok(ctx, update, "patients", None)


@staff_only("patient")
async def patient_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext
) -> None:
    patient_id = parse_id(context.args)
    if patient_id is None or len(context.args or []) != 1:
        await invalid(update, ctx, "patient", T.PATIENT_USAGE)
        return
    detail = await patient_detail(ctx, patient_id)
    if detail is None:
        await invalid(update, ctx, "patient", T.PATIENT_NOT_FOUND.format(id=patient_id),
                      detail=f"patient:{patient_id} not found")
        return
    patient = detail.patient
    zone = patient_zone(patient.timezone, ctx.settings)
    lines = [
        T.PATIENT_HEADER.format(
            id=patient.id, label=label_of(patient), status=patient.status,
            language=escape(patient.language), zone=escape(patient.timezone),
        )
    ]
    for enrollment, messages in detail.plans:
        lines.append(
            T.PATIENT_ENROLLMENT.format(
                protocol=escape(_protocol_name(ctx, enrollment.protocol_id)),
                id=enrollment.id, status=enrollment.status,
                session=local(enrollment.session_start, zone),
            )
        )
        if not messages:
            lines.append(T.PATIENT_NO_MESSAGES)
        for message in messages:
            lines.append(
                T.PATIENT_MESSAGE.format(
                    time=local(message.due_at, zone),
                    step=escape(message.step_id),
                    occurrence=f" #{message.occurrence + 1}" if message.occurrence else "",
                    status=message.status,
                    attempts=f" ({message.attempts} attempts)" if message.attempts else "",
                )
            )
    for part in chunks("\n".join(lines)):
        await reply(update, part)
    await _audit_ok(ctx, update, "patient", f"patient:{patient_id}")


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
    if result.notify_chat_id is not None:
        # The patient deserves to know why the reminders stopped; best effort.
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                result.notify_chat_id,
                patient_texts.t(
                    "cancelled_by_clinic",
                    result.language,
                    clinic=ctx.settings.clinic.name,
                    contact=ctx.settings.clinic.contact_for(result.language),
                ),
            )


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
    try:
        start = parse_session_time(
            " ".join(args[1:]), ctx.zone, ctx.clock.now(),
            date_order=ctx.settings.clinic.date_order,
        )
    except EnrollmentInputError as error:
        await invalid(update, ctx, "reschedule", f"{_time_problem(error)}\n{usage}",
                      detail=error.reason)
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
        ),
    )
    await _audit_ok(ctx, update, "stats", None)


@staff_only("staff", admins=True)
async def staff_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext
) -> None:
    args = context.args or []
    target = parse_id(args[1:]) if len(args) == 2 else None
    if target is None or args[0].lower() not in ("add", "remove"):
        await invalid(update, ctx, "staff", T.STAFF_USAGE)
        return
    admin_id = user_id_of(update) or 0
    if args[0].lower() == "add":
        added = await add_staff(ctx, target, admin_id=admin_id)
        await reply(update, (T.STAFF_ADDED if added else T.STAFF_ALREADY).format(user_id=target))
        return
    if target in ctx.settings.staff.admin_ids:
        await invalid(update, ctx, "staff", T.STAFF_IS_ADMIN.format(user_id=target),
                      detail=f"user:{target} settings admin")
        return
    removed = await remove_staff(ctx, target, admin_id=admin_id)
    await reply(update, (T.STAFF_REMOVED if removed else T.STAFF_NOT_FOUND).format(user_id=target))


def _protocol_name(ctx: AppContext, protocol_id: str) -> str:
    protocol = ctx.content.protocols.get(protocol_id)
    return protocol.name.get("en") if protocol else protocol_id


def _counts(counts: dict[str, int]) -> str:
    shown = [f"{status} {count}" for status, count in sorted(counts.items()) if count]
    return ", ".join(shown) or "none"


def _time_problem(error: EnrollmentInputError) -> str:
    return "That date is more than a year away." if error.reason == "far_time" else (
        "That is not a time I understand."
    )


async def _audit_ok(ctx: AppContext, update: Update, action: str, target: str | None) -> None:
    await audit(ctx, actor_id=user_id_of(update), action=action, outcome="ok", target=target)


async def myid_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Anyone: their user id, and in a group the chat id (what first set-up needs)."""
    lines = []
    if update.effective_user is not None:
        lines.append(T.MYID_USER.format(user_id=update.effective_user.id))
    chat = update.effective_chat
    if chat is not None and chat.type != "private":
        lines.append(T.MYID_CHAT.format(chat_id=chat.id))
    if lines:
        await reply(update, "\n".join(lines))


# The staff command table's callbacks, by name (core/texts/commands.py holds the table).
HANDLERS = {
    "myid": myid_command,
    "patients": patients_command,
    "patient": patient_command,
    "cancel": cancel_command,
    "reschedule": reschedule_command,
    "stats": stats_command,
    "staff": staff_command,
}
