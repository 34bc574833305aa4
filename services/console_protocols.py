"""The console's Protocols page: a protocol's plan laid out by patient-local day for a chosen
session time, zone and language (core.plans does the planning, as `run_bot.py preview`
does), and the content's warnings, or `check`'s problems in the files on disk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from core.content import Protocol
from core.local_time import parse_local_minute, resolve_local
from core.plans import PlannedMessage, plan_enrollment
from core.preview import format_offset
from core.quiet_hours import QuietHours
from services.context import AppContext
from services.planning import placeholders, quiet_hours
from storage.content_loader import check_content

MINUTES_PER_DAY = 24 * 60


class PreviewInputError(ValueError):
    """A preview request that cannot be drawn; the message says what to type."""


@dataclass(frozen=True, kw_only=True)
class Mark:
    """One message on the timeline: where it falls (day column, minute of the local day)."""

    message: PlannedMessage
    day_index: int
    minute: int  # of the patient-local day it is due on
    nominal_day_index: int | None  # set when quiet hours moved it
    nominal_minute: int | None


@dataclass(frozen=True, kw_only=True)
class Day:
    day: date
    offset_from_session: int  # days after the session day (negative: pre-care)
    utc_offset: str  # "UTC+01:00": shows a daylight-saving change between two days
    length_minutes: int  # 1380 or 1500 on a DST change day
    quiet: tuple[tuple[int, int], ...]  # shaded [start, end) wall-clock minute ranges


@dataclass(frozen=True, kw_only=True)
class ProtocolTimeline:
    protocol: Protocol
    zone: ZoneInfo
    language: str
    session_start: datetime
    enrolled_at: datetime
    quiet: QuietHours | None
    days: tuple[Day, ...]
    marks: tuple[Mark, ...]

    @property
    def expired(self) -> int:
        return sum(1 for m in self.marks if m.message.status == "expired")

    @property
    def moved(self) -> int:
        return sum(1 for m in self.marks if m.nominal_minute is not None)


def zone_named(name: str, fallback: ZoneInfo) -> ZoneInfo:
    """The IANA zone `name`; PreviewInputError for a name that is not one."""
    if not name:
        return fallback
    if name not in available_timezones():
        raise PreviewInputError(f"{name!r} is not a time zone; type one like Europe/Berlin")
    return ZoneInfo(name)


def session_in(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """A session typed as "YYYY-MM-DD HH:MM" (or a datetime-local "YYYY-MM-DDTHH:MM") in
    `zone`; empty = now."""
    if not text.strip():
        return now
    try:
        return parse_local_minute(text.strip().replace("T", " "), zone)
    except ValueError:
        raise PreviewInputError("type the session as YYYY-MM-DD HH:MM") from None


def _minute(moment: datetime, zone: ZoneInfo) -> tuple[date, int]:
    """The patient-local date and wall-clock minute (09:00 is 540 on a 23-hour day too, so
    a day step stays on its line across a DST change)."""
    local = moment.astimezone(zone)
    return local.date(), local.hour * 60 + local.minute


def _day(day: date, session_day: date, zone: ZoneInfo, quiet: QuietHours | None) -> Day:
    start = resolve_local(datetime.combine(day, time(0, 0)), zone)
    end = resolve_local(datetime.combine(day + timedelta(days=1), time(0, 0)), zone)
    length = int((end - start).total_seconds() // 60)
    shaded: tuple[tuple[int, int], ...] = ()
    if quiet is not None:
        begin = quiet.start.hour * 60 + quiet.start.minute
        stop = quiet.end.hour * 60 + quiet.end.minute
        shaded = (
            ((0, stop), (begin, MINUTES_PER_DAY)) if quiet.wraps_midnight else ((begin, stop),)
        )
    return Day(day=day, offset_from_session=(day - session_day).days,
               utc_offset=format_offset(start.astimezone(zone)), length_minutes=length,
               quiet=shaded)


def protocol_timeline(
    ctx: AppContext, protocol_id: str, *, session: str = "", zone_name: str = "",
    language: str = "", now: datetime,
) -> ProtocolTimeline:
    """The plan for a patient in `zone_name` whose session is `session` (their local time),
    enrolled now, or at the session if that is already past (as `preview` does)."""
    protocol = ctx.content.protocols.get(protocol_id)
    if protocol is None:
        raise PreviewInputError(f"no protocol {protocol_id!r}")
    settings = ctx.settings
    zone = zone_named(zone_name, ctx.zone)
    language = language if language in settings.clinic.languages else (
        settings.clinic.default_language
    )
    start = session_in(session, zone, now)
    enrolled = min(now, start)
    quiet = quiet_hours(settings)
    plan = plan_enrollment(
        protocol=protocol, session_start=start, zone=zone, quiet=quiet, now=enrolled,
        language=language, default_language=settings.clinic.default_language,
        placeholders=placeholders(settings, language),
    )
    session_day = start.astimezone(zone).date()
    wanted = {session_day}
    for message in plan:
        wanted.add(_minute(message.due_at, zone)[0])
    days = tuple(_day(d, session_day, zone, quiet) for d in sorted(wanted))
    column = {d.day: i for i, d in enumerate(days)}
    marks = []
    for message in plan:
        due_day, due_minute = _minute(message.due_at, zone)
        nominal_day: int | None = None
        nominal_minute: int | None = None
        if message.due_at != message.nominal_at:
            n_day, n_minute = _minute(message.nominal_at, zone)
            if n_day in column:
                nominal_day, nominal_minute = column[n_day], n_minute
        marks.append(Mark(message=message, day_index=column[due_day], minute=due_minute,
                          nominal_day_index=nominal_day, nominal_minute=nominal_minute))
    return ProtocolTimeline(protocol=protocol, zone=zone, language=language,
                            session_start=start, enrolled_at=enrolled, quiet=quiet, days=days,
                            marks=tuple(marks))


@dataclass(frozen=True, kw_only=True)
class ContentCheck:
    """What `check` says: problems (the files on disk would not load) and warnings."""

    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    checked_files: bool


def content_check(ctx: AppContext, content_dir: Path | None) -> ContentCheck:
    """The loaded content's warnings; with `content_dir`, the files on disk checked afresh
    (someone may have edited them since start-up)."""
    if content_dir is None:
        return ContentCheck(problems=(), warnings=tuple(ctx.content.warnings),
                            checked_files=False)
    clinic = ctx.settings.clinic
    report = check_content(content_dir, clinic.languages, clinic.default_language)
    return ContentCheck(problems=tuple(str(p) for p in report.problems),
                        warnings=tuple(str(w) for w in report.warnings), checked_files=True)
