"""Staff views of patients: /patients (list, find by label), /patient (one plan), and
/session (a new session that supersedes the earlier plan)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import ContextTypes

from bot.formatting import chunks, escape
from bot.staff_access import audit_ok, invalid, reply, staff_only, user_id_of
from core.course import shown_occurrence
from core.local_time import format_local_minute, format_session
from core.records import MessageRecord, PatientRecord, row_id
from core.statuses import MessageStatus
from core.texts import staff as T
from services.context import AppContext
from services.enrollment import EnrollmentInputError, parse_session_time
from services.patient_lookup import list_patients, patient_detail
from services.planning import patient_zone
from services.sessions import SUPERSEDED_PREFIX, new_session, no_show

LABEL_IN_LIST = 60  # characters of a label shown in /patients (full label in /patient)
MAX_TIME_WORDS = 8  # words a typed session time may take ("day after tomorrow at 4:30 pm")
# Handler groups: the staff gate for /help and the relay run before everything else.


def is_ascii_number(text: str) -> bool:
    """Digits 0-9 only ("²" and other Unicode digits are not ids)."""
    return text.isascii() and text.isdigit()


def _both_zones(moment: datetime | None, patient: PatientRecord, ctx: AppContext) -> str:
    """Clinic time, and the patient's own when their zone differs."""
    if moment is None:
        return "—"
    text = local(moment, ctx.zone)
    zone = patient_zone(patient.timezone, ctx.settings)
    if zone.key != ctx.zone.key:
        text += T.PATIENT_OWN_TIME.format(
            time=moment.astimezone(zone).strftime("%H:%M"), zone=escape(zone.key)
        )
    return text


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
    """The id the first argument names ("12", "#12"); None for anything a row cannot have
    (the database would refuse a number past its range)."""
    if not args or not is_ascii_number(args[0].lstrip("#")):
        return None
    return row_id(args[0])


@staff_only("patients")
async def patients_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext
) -> None:
    args = list(context.args or [])
    page = 1
    if args and is_ascii_number(args[-1]) and 0 < int(args[-1]) < 10_000:
        page = int(args.pop())
    search = " ".join(args).strip() or None
    listing = await list_patients(ctx, page=page, search=search, now=ctx.clock.now())
    if not listing.rows:
        if search:
            await reply(update, T.PATIENTS_NOT_FOUND.format(search=escape(search)))
        elif page > 1:
            await reply(update, T.PATIENTS_PAST_END.format(page=page))
        else:
            await reply(update, T.PATIENTS_NONE)
        return
    header = T.PATIENTS_FOUND if search else T.PATIENTS_HEADER
    lines = [header.format(page=page, search=escape(search or ""),
                           zone=escape(ctx.settings.clinic.timezone))]
    for row in listing.rows:
        lines.append(
            T.PATIENT_LINE.format(
                id=row.patient.id,
                label=label_of(row.patient, LABEL_IN_LIST),
                protocol=escape(_protocol_name(ctx, row.enrollment.protocol_id))
                if row.enrollment else "—",
                status=row.status,
                next=_both_zones(row.next_due, row.patient, ctx),
            )
        )
    if listing.has_more:
        more = f"{escape(search)} {page + 1}" if search else str(page + 1)
        lines.append(T.PATIENTS_MORE.format(next_page=more))
    for part in chunks("\n".join(lines)):
        await reply(update, part)
    await audit_ok(ctx, update, "patients", None)


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
            id=patient.id, label=label_of(patient), status=detail.status,
            language=escape(patient.language), zone=escape(patient.timezone),
        )
    ]
    if detail.plans:
        lines.append(T.PATIENT_TIMES.format(zone=escape(zone.key)))
    if detail.merged_into is not None:
        lines.append(T.PATIENT_MERGED.format(id=detail.merged_into))
    for enrollment, messages in detail.plans:
        lines.append(
            T.PATIENT_ENROLLMENT.format(
                protocol=escape(_protocol_name(ctx, enrollment.protocol_id)),
                id=enrollment.id, status=enrollment.status, number=enrollment.session_number,
                session=format_session(enrollment.session_start, zone),
            )
        )
        if not messages:
            lines.append(T.PATIENT_NO_MESSAGES)
        for message in messages:
            lines.append(
                T.PATIENT_MESSAGE.format(
                    time=local(message.due_at, zone),
                    step=escape(message.step_id),
                    occurrence=shown_occurrence(message.step_id, message.occurrence),
                    status=_message_status(message),
                    attempts=f" ({message.attempts} attempts)" if message.attempts else "",
                )
            )
    for part in chunks("\n".join(lines)):
        await reply(update, part)
    await audit_ok(ctx, update, "patient", f"patient:{patient_id}")


def _protocol_name(ctx: AppContext, protocol_id: str) -> str:
    protocol = ctx.content.protocols.get(protocol_id)
    return protocol.name.get("en") if protocol else protocol_id


async def read_time(
    update: Update, ctx: AppContext, words: list[str], action: str, usage: str
) -> datetime | None:
    """A session time typed after a staff command (clinic zone and date order), or None
    after answering with what was wrong and the usage (nothing changed)."""
    try:
        return parse_session_time(
            " ".join(words), ctx.zone, ctx.clock.now(), date_order=ctx.settings.clinic.date_order
        )
    except EnrollmentInputError as error:
        await invalid(update, ctx, action, f"{time_problem(error)} {T.NOTHING_CHANGED}\n{usage}",
                      detail=error.reason)
        return None


def time_problem(error: EnrollmentInputError) -> str:
    """Why the typed time was refused (safe HTML)."""
    reason = "far_time" if error.reason == "far_time" else str(error.details.get("problem", "bad"))
    return T.time_problem(reason, str(error.details.get("words", "")))


def _message_status(message: MessageRecord) -> str:
    """The status, and for a message a newer session replaced, which session did."""
    reason = message.last_error or ""
    if message.status == MessageStatus.CANCELLED and reason.startswith(SUPERSEDED_PREFIX):
        number = reason.removeprefix(SUPERSEDED_PREFIX).split(" ", 1)[0]
        return T.PATIENT_SUPERSEDED.format(number=escape(number))
    return str(message.status)


@staff_only("session")
async def session_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ctx: AppContext
) -> None:
    args = context.args or []
    patient_id = parse_id(args)
    if patient_id is None or len(args) > MAX_TIME_WORDS + 1:
        await invalid(update, ctx, "session", T.SESSION_USAGE)
        return
    staff_id = user_id_of(update) or 0
    words = [a.lower() for a in args[1:]]
    if len(words) == 1 and words[0] in T.NO_SHOW_WORDS:
        result = await no_show(ctx, patient_id, staff_id=staff_id, now=ctx.clock.now())
    else:
        start = None
        if args[1:]:
            start = await read_time(update, ctx, args[1:], "session", T.SESSION_USAGE)
            if start is None:
                return
        result = await new_session(ctx, patient_id, start, staff_id=staff_id, now=ctx.clock.now())
    if result.problem is not None:
        text = {"no_patient": T.SESSION_NOT_FOUND, "no_booking": T.SESSION_NO_BOOKING,
                "cancelled_before_joining": T.SESSION_CANCELLED_BEFORE_JOINING,
                }.get(result.problem, T.SESSION_NOT_JOINED)
        await invalid(update, ctx, "session", text.format(id=patient_id),
                      detail=f"patient:{patient_id} {result.problem}")
        return
    assert result.session_start is not None
    template = (T.SESSION_NO_SHOW if result.no_show else T.SESSION_BOOKED if result.booked
                else T.SESSION_BOOKING_DONE if result.booking_id else T.SESSION_DONE)
    await reply(update, template.format(
        id=patient_id, number=result.session_number,
        session=format_session(result.session_start, ctx.zone), planned=result.planned,
        superseded=result.superseded_messages, hours=f"{ctx.settings.course.confirm_hours:g}",
    ) + (" " + T.SESSION_RESUMED if result.resumed else ""))
