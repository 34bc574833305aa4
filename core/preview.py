"""Formatting a plan for people: what `run_bot.py preview` prints (pure, no clock)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from core.content import Protocol
from core.course import CONFIRM_STEP, COURSE_STEPS, OUTCOME_STEP, RECALL_STEP
from core.plans import PlannedMessage, occurrence_count
from core.quiet_hours import QuietHours

# What a course's own messages are, in the listing (core/course.py).
COURSE_NOTES = {
    CONFIRM_STEP: "course: the confirmation request, when the session is booked ahead",
    RECALL_STEP: "course: the recall, when nothing is booked by then",
    OUTCOME_STEP: "course: the outcome question at the course's end",
}
_TAG = re.compile(r"</?[a-z]+>")


def _plain(message: PlannedMessage) -> str:
    """A course message's text is safe HTML (the bot's own texts): shown as plain text."""
    if message.step_id not in COURSE_STEPS:
        return message.text
    return html.unescape(_TAG.sub("", message.text))


def format_offset(moment: datetime) -> str:
    """`UTC+05:30`, `UTC-04:00`, `UTC+13:45` for an aware datetime."""
    offset = moment.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def format_local(moment: datetime, zone: ZoneInfo) -> str:
    """`Sat 2026-03-28 20:30 UTC+01:00`: patient-local, with weekday and offset."""
    local = moment.astimezone(zone)
    return f"{local:%a %Y-%m-%d %H:%M} {format_offset(local)}"


def _moved_note(
    message: PlannedMessage, zone: ZoneInfo, now: datetime, quiet: QuietHours | None
) -> str:
    """Why a pending message is not at its nominal time, in the patient's local time."""
    if message.due_at == message.nominal_at:
        return ""
    due = message.due_at.astimezone(zone)
    nominal = message.nominal_at.astimezone(zone)
    was = f"{nominal:%H:%M}" if due.date() == nominal.date() else f"{nominal:%a %H:%M}"
    planned = message.nominal_at
    if quiet is not None and message.respects_quiet_hours:
        planned, _ = quiet.shift(planned, zone)
    if message.status == "pending" and planned < now:
        after = " after quiet hours" if message.moved_by_quiet_hours else ""
        return f"was due {was}, so due now{after}"
    return f"moved from {was} (quiet hours)"


def format_plan(
    *,
    protocol: Protocol,
    plan: Sequence[PlannedMessage],
    zone: ZoneInfo,
    session_start: datetime,
    now: datetime,
    language: str,
    default_language: str,
    quiet: QuietHours | None,
    session_number: int = 1,
) -> str:
    """A readable listing of every planned message, one block per message (a course's own
    messages with a note on when they are sent)."""
    counts = {step.id: occurrence_count(step) for step in protocol.steps}
    expired = sum(1 for message in plan if message.status == "expired")
    quiet_text = f"{quiet.start:%H:%M}-{quiet.end:%H:%M}" if quiet else "none"
    lines = [
        f"{protocol.name.get(language, default_language)} ({protocol.id})",
        f"Session:     {format_local(session_start, zone)} ({zone.key})",
        f"Enrolled:    {format_local(now, zone)} (messages due before this are due at once)",
        f"Language {language}; quiet hours {quiet_text} (patient-local)",
        *([f"Course: session {session_number} of {protocol.course.sessions}"]
          if protocol.course is not None else []),
        f"{len(plan)} messages: {len(plan) - expired} pending, {expired} expired",
        "",
    ]
    for message in plan:
        count = counts.get(message.step_id, 1)
        course_note = COURSE_NOTES.get(message.step_id)
        header = [
            format_local(message.due_at, zone),
            message.step_id if course_note else
            f"{message.step_id} #{message.occurrence + 1}/{count}",
            message.kind,
            message.status,
        ]
        lines.append("  ".join(header))
        details = [f"expires {format_local(message.expires_at, zone)}"]
        if course_note:
            details.insert(0, course_note)
        if note := _moved_note(message, zone, now, quiet):
            details.append(note)
        if not message.respects_quiet_hours:
            details.append("ignores quiet hours")
        lines.append("    " + "; ".join(details))
        for text_line in _plain(message).splitlines() or [""]:
            lines.append(f"    | {text_line}")
        for option_id, option_text in message.options:
            lines.append(f"    [{option_text}] ({option_id})")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
