"""The console's Stats page: messages per clinic day, check-in answers per step, cases and
their time to close per week, opt-outs per week, and the bot's /stats snapshot."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median

from core.local_time import resolve_local
from services.context import AppContext
from services.stats import Stats, stats
from storage import console_stats as figures
from storage.repositories import Store

DAYS = 14
WEEKS = 8
ANSWER_DAYS = 90
OUTCOMES = ("sent", "expired", "failed")


@dataclass(frozen=True, kw_only=True)
class DayCounts:
    day: date
    counts: dict[str, int]  # sent / expired / failed


@dataclass(frozen=True, kw_only=True)
class WeekCases:
    week: date  # the Monday it starts on
    opened: int
    closed: int
    median_hours_to_close: float | None
    opt_outs: int


@dataclass(frozen=True, kw_only=True)
class StepAnswers:
    step_id: str
    protocol_id: str
    protocol_name: str
    answers: tuple[tuple[str, int], ...]  # (option label, count), in the step's order


@dataclass(frozen=True, kw_only=True)
class ConsoleStats:
    snapshot: Stats
    days: tuple[DayCounts, ...]
    weeks: tuple[WeekCases, ...]
    steps: tuple[StepAnswers, ...]


def _midnight(ctx: AppContext, day: date) -> datetime:
    return resolve_local(datetime.combine(day, time(0, 0)), ctx.zone)


def _labels(ctx: AppContext) -> dict[tuple[str, str], tuple[str, list[tuple[str, str]]]]:
    """(protocol id, step id) -> (protocol name, [(option id, label)]) from the content:
    every protocol's check-ins (the hair's too, though its step ids are the face's)."""
    default = ctx.settings.clinic.default_language
    found: dict[tuple[str, str], tuple[str, list[tuple[str, str]]]] = {}
    for protocol in sorted(ctx.content.protocols.values(), key=lambda p: p.id):
        name = protocol.name.get(default, default)
        for step in protocol.steps:
            if step.options:
                found[(protocol.id, step.id)] = (
                    name, [(o.id, o.text.get(default, default)) for o in step.options])
    return found


async def console_stats(ctx: AppContext, *, now: datetime) -> ConsoleStats:
    """Every figure of the Stats page (clinic days and weeks in the clinic's zone)."""
    today = now.astimezone(ctx.zone).date()
    first_day = today - timedelta(days=DAYS - 1)
    monday = today - timedelta(days=today.weekday())
    first_week = monday - timedelta(weeks=WEEKS - 1)
    snapshot = await stats(ctx, now=now)
    async with Store(ctx.sessions) as store:
        outcomes = await figures.outcomes_since(store.session, _midnight(ctx, first_day))
        cases = await figures.cases_since(store.session, _midnight(ctx, first_week))
        stops = await figures.events_since(store.session, _midnight(ctx, first_week),
                                           "patient.stop")
        answers = await figures.checkin_answer_counts(
            store.session, now - timedelta(days=ANSWER_DAYS)
        )
    per_day: dict[date, Counter[str]] = {
        first_day + timedelta(days=i): Counter() for i in range(DAYS)
    }
    for status, at in outcomes:
        local = at.astimezone(ctx.zone).date()
        if local in per_day:
            per_day[local][status] += 1
    days = tuple(DayCounts(day=d, counts={s: c[s] for s in OUTCOMES})
                 for d, c in per_day.items())
    return ConsoleStats(snapshot=snapshot, days=days,
                        weeks=_weeks(ctx, first_week, cases, stops),
                        steps=_steps(ctx, answers))


def _week_of(ctx: AppContext, at: datetime) -> date:
    local = at.astimezone(ctx.zone).date()
    return local - timedelta(days=local.weekday())


def _weeks(
    ctx: AppContext, first_week: date, cases: tuple[figures.CaseTimes, ...],
    stops: tuple[datetime, ...],
) -> tuple[WeekCases, ...]:
    weeks = [first_week + timedelta(weeks=i) for i in range(WEEKS)]
    opened: Counter[date] = Counter()
    closed: Counter[date] = Counter()
    hours: dict[date, list[float]] = {w: [] for w in weeks}
    for case in cases:
        week = _week_of(ctx, case.created_at)
        opened[week] += 1
        if case.closed_at is not None:
            closed[week] += 1
            if week in hours:
                hours[week].append((case.closed_at - case.created_at).total_seconds() / 3600)
    opt_outs = Counter(_week_of(ctx, at) for at in stops)
    return tuple(
        WeekCases(week=w, opened=opened[w], closed=closed[w],
                  median_hours_to_close=round(median(hours[w]), 1) if hours[w] else None,
                  opt_outs=opt_outs[w])
        for w in weeks
    )


def _steps(ctx: AppContext, answers: tuple[figures.AnswerCount, ...]) -> tuple[
    StepAnswers, ...
]:
    labels = _labels(ctx)
    counts: dict[tuple[str, str], Counter[str]] = {}
    for answer in answers:
        if answer.protocol_id is not None:
            key = (answer.protocol_id, answer.step_id)
            counts.setdefault(key, Counter())[answer.option_id] += answer.count
    found = []
    for (protocol_id, step_id), (protocol_name, options) in labels.items():
        per_option = counts.get((protocol_id, step_id), Counter())
        found.append(StepAnswers(
            step_id=step_id, protocol_id=protocol_id, protocol_name=protocol_name,
            answers=tuple((label, per_option[option_id]) for option_id, label in options),
        ))
    return tuple(found)
