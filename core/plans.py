"""Plans: the pure function from an enrollment to every message it will send, and when.

`plan_enrollment` applies these rules, in order, to every occurrence of every step:

1. Nominal time. An offset step (`at = "+24h"`) is due at session_start + offset
   (+ k * every for the k-th repeat, elapsed time). A day step (`day = 1, time = "09:00"`)
   is due on the patient-local date of the session in `zone` plus `day` (+ k * every
   days), at that local wall time; a wall time that does not exist that day (DST gap)
   moves to the first valid instant after the gap, an ambiguous one (clocks falling back)
   takes its first occurrence.
2. due = nominal moved to the end of quiet hours (patient-local) if the step respects
   quiet hours and the nominal time is inside them.
3. expires_at = due + step.expires.
4. If now > expires_at the message is "expired": it stays in the plan (due_at is when it
   would have been due) and is never sent. Otherwise, if due < now, it is due now
   (moved again to the end of quiet hours if it respects them); if that is after
   expires_at it is "expired" too (keeping the earlier due_at, so expires_at >= due_at).
5. The result is sorted by (due_at, step order in the protocol, occurrence); no step is
   ever dropped, so its length is the sum of the steps' repeat counts.
6. Only the steps for this session (`sessions = [1, 4, 8]`; none: every session) are
   planned; for a session booked ahead, only its pre-care (`precare_only`): its aftercare
   is planned once staff record it as done.

A course's own messages (the confirmation request of a booked session, the recall when the
next session falls due, the outcome at the course's end) are planned by core/course.py.

Reschedule and time-zone changes call the same function with the new session start or
zone and the current `now`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from core.clock import require_aware
from core.content import (
    OUTCOME_SCORES,
    PLACEHOLDERS,
    DayTiming,
    LocalizedText,
    OffsetTiming,
    Protocol,
    Step,
)
from core.local_time import resolve_local
from core.quiet_hours import QuietHours

PlanStatus = Literal["pending", "expired"]
# A step's kind, or a course's own message (core/course.py): the outbox's MessageKind.
PlanKind = Literal["reminder", "checkin", "photo", "outcome", "confirm", "recall"]

_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


@dataclass(frozen=True, kw_only=True)
class PlannedMessage:
    """One message of an enrollment's plan, rendered for the patient's language."""

    step_id: str
    occurrence: int
    kind: PlanKind
    text: str
    options: tuple[tuple[str, str], ...]
    nominal_at: datetime
    due_at: datetime
    expires_at: datetime
    moved_by_quiet_hours: bool
    respects_quiet_hours: bool
    status: PlanStatus


def render_text(
    text: LocalizedText,
    *,
    language: str,
    default_language: str,
    placeholders: Mapping[str, str],
) -> str:
    """The text in `language` (falling back to the default) with `{clinic}`/`{contact}` filled."""
    raw = text.get(language, default_language)
    return _PLACEHOLDER.sub(lambda match: placeholders.get(match.group(1), match.group(0)), raw)


def occurrence_count(step: Step) -> int:
    return step.repeat.count if step.repeat is not None else 1


def nominal_time(
    step: Step, occurrence: int, *, session_start: datetime, zone: ZoneInfo
) -> datetime:
    """Rule 1: when the step's `occurrence`-th send is meant to happen, in UTC."""
    every = step.repeat.every if step.repeat is not None else timedelta(0)
    timing = step.timing
    if isinstance(timing, OffsetTiming):
        # In UTC: aware arithmetic in a ZoneInfo zone is wall-clock arithmetic (23h days).
        return session_start.astimezone(UTC) + timing.offset + occurrence * every
    assert isinstance(timing, DayTiming)
    # Day steps advance the local calendar, so 09:00 stays 09:00 across DST changes.
    session_date = session_start.astimezone(zone).date()
    local_date = session_date + timedelta(days=timing.day + occurrence * every.days)
    return resolve_local(datetime.combine(local_date, timing.at), zone)


def plan_enrollment(
    *,
    protocol: Protocol,
    session_start: datetime,
    zone: ZoneInfo,
    quiet: QuietHours | None,
    now: datetime,
    language: str,
    default_language: str,
    placeholders: Mapping[str, str],
    awake_until: datetime | None = None,
    session_number: int = 1,
    precare_only: bool = False,
) -> tuple[PlannedMessage, ...]:
    """Every message the enrollment will send (or has let expire), by the module's rules.

    Quiet hours move a message to their end, except one falling due by `awake_until` (the
    patient has just written or consented: core.quiet_hours.AWAKE_WINDOW).
    `session_number`: which session of the protocol this is (rule 6); `precare_only`: a
    session booked ahead, not yet recorded as done.
    """
    require_aware(session_start, "session_start")
    now = require_aware(now, "now").astimezone(UTC)

    def quiet_shift(instant: datetime, step: Step) -> tuple[datetime, bool]:
        if quiet is None or not step.quiet_hours:
            return instant, False
        if awake_until is not None and instant <= awake_until:
            return instant, False
        return quiet.shift(instant, zone)

    planned: list[tuple[tuple[datetime, int, int], PlannedMessage]] = []
    for order, step in enumerate(protocol.steps):
        if not step.at_session(session_number) or (precare_only and not step.precare):
            continue
        text = render_text(
            step.text,
            language=language,
            default_language=default_language,
            placeholders=placeholders,
        )
        options = tuple(
            (
                option.id,
                render_text(
                    option.text,
                    language=language,
                    default_language=default_language,
                    placeholders=placeholders,
                ),
            )
            for option in step.options
        ) or (tuple((score, score) for score in OUTCOME_SCORES) if step.kind == "outcome"
              else ())
        for occurrence in range(occurrence_count(step)):
            nominal = nominal_time(step, occurrence, session_start=session_start, zone=zone)
            due, moved = quiet_shift(nominal, step)
            expires_at = due + step.expires
            status: PlanStatus = "pending"
            if now > expires_at:
                status = "expired"
            elif due < now:
                late_due, late_moved = quiet_shift(now, step)
                if late_due > expires_at:
                    status = "expired"
                else:
                    due, moved = late_due, late_moved
            message = PlannedMessage(
                step_id=step.id,
                occurrence=occurrence,
                kind=step.kind,
                text=text,
                options=options,
                nominal_at=nominal,
                due_at=due,
                expires_at=expires_at,
                moved_by_quiet_hours=moved,
                respects_quiet_hours=step.quiet_hours,
                status=status,
            )
            planned.append(((due, order, occurrence), message))
    planned.sort(key=lambda item: item[0])
    return tuple(message for _, message in planned)
