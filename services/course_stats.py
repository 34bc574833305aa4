"""Figures about courses of treatment, for /stats and the console's Stats page: reach
(invited -> joined -> active -> completed), satisfaction per procedure and month (clinic
zone), the outcome question's response rate, and courses completed vs dropped.

A course still active whose last session is more than LAPSE_FACTOR times its interval ago,
with nothing booked, counts as dropped (lapsed): nobody came back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import mean

from services.context import AppContext
from storage import course_stats as figures
from storage.repositories import Store

MONTHS = 6  # satisfaction is shown for the last six months
LAPSE_FACTOR = 3


@dataclass(frozen=True, kw_only=True)
class Satisfaction:
    """One procedure in one month: how many answered and their average (1-5)."""

    procedure: str
    month: date  # the first of the month
    answers: int
    average: float


@dataclass(frozen=True, kw_only=True)
class CourseFigures:
    reach: figures.Reach
    satisfaction: tuple[Satisfaction, ...]
    asked: int  # outcome questions sent in the period
    answered: int  # outcome answers in the period
    average: float | None  # over every answer in the period
    completed: int
    dropped: int  # ended otherwise, and lapsed ones
    lapsed: int  # of dropped: still active on paper, nobody came back
    active: int

    @property
    def response_rate(self) -> float | None:
        return None if not self.asked else min(1.0, self.answered / self.asked)


def _month(at: datetime, ctx: AppContext) -> date:
    return at.astimezone(ctx.zone).date().replace(day=1)


async def course_figures(ctx: AppContext, *, now: datetime) -> CourseFigures:
    """Every course figure, read in one transaction."""
    first = (now.astimezone(ctx.zone).date().replace(day=1) - timedelta(days=31 * (MONTHS - 1))
             ).replace(day=1)
    since = now - timedelta(days=31 * MONTHS)
    async with Store(ctx.sessions) as store:
        session = store.session
        reach = await figures.reach(session)
        answers = await figures.outcomes_since(session, since)
        asked = await figures.outcome_questions_sent(session, since)
        by_status = await figures.courses_by_status(session)
        active = await figures.active_courses(session)
    default = ctx.settings.clinic.default_language
    names = {p.id: p.name.get("en", default) for p in ctx.content.protocols.values()}
    cells: dict[tuple[str, date], list[int]] = {}
    for row in answers:
        month = _month(row.answered_at, ctx)
        if month >= first:
            cells.setdefault((names.get(row.protocol_id, row.protocol_id), month), []).append(
                row.score)
    satisfaction = tuple(
        Satisfaction(procedure=procedure, month=month, answers=len(scores),
                     average=round(mean(scores), 2))
        for (procedure, month), scores in sorted(cells.items(), key=lambda i: (i[0][1], i[0][0]))
    )
    lapsed = 0
    for course in active:
        protocol = ctx.content.protocols.get(course.protocol_id)
        if (protocol is not None and protocol.course is not None and not course.booked
                and course.last_session is not None
                and now - course.last_session > protocol.course.every * LAPSE_FACTOR):
            lapsed += 1
    scores = [row.score for row in answers]
    return CourseFigures(
        reach=reach, satisfaction=satisfaction, asked=asked, answered=len(answers),
        average=round(mean(scores), 2) if scores else None,
        completed=by_status.get("completed", 0),
        dropped=by_status.get("dropped", 0) + lapsed, lapsed=lapsed,
        active=by_status.get("active", 0) - lapsed,
    )
