"""Tests for plan_enrollment: table cases over DST zones, and hypothesis properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.content import (
    DayTiming,
    LocalizedText,
    OffsetTiming,
    Option,
    Protocol,
    Repeat,
    Step,
)
from core.plans import PlannedMessage, plan_enrollment
from core.quiet_hours import QuietHours

NIGHT = QuietHours(start=time(21), end=time(8))
TEXT = LocalizedText.of({"en": "Hello from {clinic}, {contact}", "hi": "नमस्ते {clinic}"})


def step(step_id: str, timing: DayTiming | OffsetTiming, **extra: object) -> Step:
    return Step(id=step_id, timing=timing, text=TEXT, **extra)  # type: ignore[arg-type]


def day(number: int, hour: int, minute: int = 0) -> DayTiming:
    return DayTiming(day=number, at=time(hour, minute))


def offset(**delta: float) -> OffsetTiming:
    return OffsetTiming(offset=timedelta(**delta))


def plan(
    steps: list[Step],
    session: datetime,
    zone: str,
    *,
    now: datetime | None = None,
    quiet: QuietHours | None = NIGHT,
    language: str = "en",
) -> tuple[PlannedMessage, ...]:
    return plan_enrollment(
        protocol=Protocol(id="p", name=TEXT, steps=tuple(steps)),
        session_start=session,
        zone=ZoneInfo(zone),
        quiet=quiet,
        now=now or session,
        language=language,
        default_language="en",
        placeholders={"clinic": "Clinic", "contact": "call us"},
    )


def local(message: PlannedMessage, zone: str) -> str:
    return f"{message.due_at.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M %z}"


def test_berlin_spring_forward_keeps_daily_local_time_and_moves_quiet_steps() -> None:
    """Acceptance 4's case: 09:00 stays 09:00 over 2026-03-29; a 22:30 check-in moves to 08:00."""
    zone = "Europe/Berlin"
    session = datetime(2026, 3, 28, 20, 30, tzinfo=ZoneInfo(zone))
    steps = [
        step("sun", day(1, 9), repeat=Repeat(every=timedelta(days=1), count=3)),
        step("late", day(0, 22, 30)),
        step("plus24", offset(hours=24)),
    ]
    result = plan(steps, session, zone)
    by_id = {(m.step_id, m.occurrence): m for m in result}
    assert [local(by_id[("sun", k)], zone) for k in range(3)] == [
        "2026-03-29 09:00 +0200",
        "2026-03-30 09:00 +0200",
        "2026-03-31 09:00 +0200",
    ]
    late = by_id[("late", 0)]
    assert late.moved_by_quiet_hours and local(late, zone) == "2026-03-29 08:00 +0200"
    assert late.nominal_at == datetime(2026, 3, 28, 21, 30, tzinfo=UTC)
    # Offsets are elapsed time: 24h after 20:30 CET is 21:30 CEST, inside quiet hours.
    plus24 = by_id[("plus24", 0)]
    assert plus24.nominal_at == datetime(2026, 3, 29, 19, 30, tzinfo=UTC)
    assert local(plus24, zone) == "2026-03-30 08:00 +0200"
    assert [m.step_id for m in result] == ["late", "sun", "plus24", "sun", "sun"]


def test_kolkata_plain_case_and_rendering() -> None:
    """No DST: day 1 09:00 IST is 03:30 UTC; text rendered in the language with placeholders."""
    zone = "Asia/Kolkata"
    session = datetime(2026, 5, 10, 11, 0, tzinfo=ZoneInfo(zone))
    options = (Option(id="ok", text=LocalizedText.of("Fine, {clinic}")),)
    [message] = plan(
        [step("d1", day(1, 9), kind="checkin", options=options)], session, zone, language="hi"
    )
    assert message.due_at == datetime(2026, 5, 11, 3, 30, tzinfo=UTC)
    assert message.text == "नमस्ते Clinic"
    assert message.options == (("ok", "Fine, Clinic"),)
    assert message.kind == "checkin" and message.status == "pending"
    [english] = plan([step("d1", day(1, 9))], session, zone, language="ta")
    assert english.text == "Hello from Clinic, call us"  # unknown language falls back to en


def test_new_york_fall_back_ambiguous_time_takes_first_occurrence() -> None:
    """01:30 on 2026-11-01 happens twice in New York; the plan uses the first (EDT)."""
    zone = "America/New_York"
    session = datetime(2026, 10, 31, 12, 0, tzinfo=ZoneInfo(zone))
    result = plan(
        [
            step("early", day(1, 1, 30)),
            step("daily", day(0, 9), repeat=Repeat(every=timedelta(days=1), count=3)),
        ],
        session,
        zone,
        now=session - timedelta(days=1),
        quiet=None,
    )
    early = next(m for m in result if m.step_id == "early")
    assert early.due_at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    daily = [local(m, zone) for m in result if m.step_id == "daily"]
    assert daily == ["2026-10-31 09:00 -0400", "2026-11-01 09:00 -0500", "2026-11-02 09:00 -0500"]


def test_chatham_quarter_hour_offsets_across_dst_end() -> None:
    """Chatham (+13:45 -> +12:45 on 2026-04-05): 09:00 stays 09:00, 22:30 moves to 08:00."""
    zone = "Pacific/Chatham"
    session = datetime(2026, 4, 4, 10, 0, tzinfo=ZoneInfo(zone))
    result = plan(
        [
            step("d", day(0, 22, 30), repeat=Repeat(every=timedelta(days=1), count=2)),
            step("m", day(1, 9)),
        ],
        session,
        zone,
    )
    assert [local(m, zone) for m in result] == [
        "2026-04-05 08:00 +1245",
        "2026-04-05 09:00 +1245",
        "2026-04-06 08:00 +1245",
    ]


def test_lord_howe_half_hour_gap_resolves_after_the_gap() -> None:
    """Lord Howe skips 02:00-02:30 on 2026-10-04; a 02:15 step lands on 02:30 (+11:00)."""
    zone = "Australia/Lord_Howe"
    session = datetime(2026, 10, 3, 12, 0, tzinfo=ZoneInfo(zone))
    [message] = plan([step("gap", day(1, 2, 15))], session, zone, quiet=None)
    assert local(message, zone) == "2026-10-04 02:30 +1100"


def test_past_steps_are_expired_or_due_now() -> None:
    """Enrolled late: past expiry -> expired (kept); within expiry -> due now, quiet-shifted."""
    zone = "Asia/Kolkata"
    kolkata = ZoneInfo(zone)
    session = datetime(2026, 5, 10, 10, 0, tzinfo=kolkata)
    steps = [
        step("gone", offset(days=-14), expires=timedelta(days=2)),
        step("now", offset(hours=1), expires=timedelta(hours=24)),
        step("night", offset(hours=2), expires=timedelta(hours=12)),
        step("tight", offset(hours=3), expires=timedelta(hours=11)),
    ]
    enrolled = datetime(2026, 5, 10, 22, 0, tzinfo=kolkata)  # inside quiet hours
    by_id = {m.step_id: m for m in plan(steps, session, zone, now=enrolled)}
    assert by_id["gone"].status == "expired"
    assert by_id["gone"].due_at == session - timedelta(days=14)
    # Due at 11:00 but enrolled at 22:00: due now, then quiet hours move it to 08:00.
    assert by_id["now"].status == "pending" and by_id["now"].moved_by_quiet_hours
    assert by_id["now"].due_at == datetime(2026, 5, 11, 8, 0, tzinfo=kolkata)
    # 12:00 + 12h = 00:00 expiry: 08:00 next day is too late.
    assert by_id["night"].status == "expired"
    assert by_id["night"].expires_at >= by_id["night"].due_at
    assert by_id["tight"].status == "expired"


def test_steps_that_ignore_quiet_hours_are_not_moved() -> None:
    """quiet_hours = false keeps a 23:00 message at 23:00."""
    zone = "Asia/Kolkata"
    session = datetime(2026, 5, 10, 23, 0, tzinfo=ZoneInfo(zone))
    [message] = plan([step("x", offset(minutes=0), quiet_hours=False)], session, zone)
    assert message.due_at == session and not message.moved_by_quiet_hours
    assert message.respects_quiet_hours is False


def test_naive_datetimes_are_rejected() -> None:
    """A naive session start or now is a programming error."""
    with pytest.raises(ValueError):
        plan([step("x", offset(hours=1))], datetime(2026, 5, 10, 10, 0), "UTC")


# --- properties -----------------------------------------------------------------------------

ZONES = sorted(available_timezones())


@cache
def change_days(zone_name: str, year: int) -> tuple[date, ...]:
    """The local dates in `year` on which `zone`'s UTC offset changes."""
    zone = ZoneInfo(zone_name)
    start = datetime(year, 1, 1, 12, tzinfo=UTC)
    days = []
    previous = start.astimezone(zone).utcoffset()
    for number in range(1, 366):
        current = (start + timedelta(days=number)).astimezone(zone)
        if current.utcoffset() != previous:
            days.append(current.date())
            previous = current.utcoffset()
    return tuple(days)


minutes = st.integers(min_value=0, max_value=24 * 60 - 1).map(lambda m: time(m // 60, m % 60))
steps_strategy = st.lists(
    st.builds(
        lambda timing, repeat, expires_h, quiet: (timing, repeat, expires_h, quiet),
        st.one_of(
            st.builds(day, st.integers(-14, 10), st.integers(0, 23), st.integers(0, 59)),
            st.integers(-20 * 24 * 60, 20 * 24 * 60).map(lambda m: offset(minutes=m)),
        ),
        st.none() | st.tuples(st.integers(1, 3), st.integers(1, 4)),
        st.integers(1, 72),
        st.booleans(),
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=300, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    raw_steps=steps_strategy,
    data=st.data(),
    quiet_bounds=st.none() | st.tuples(minutes, minutes).filter(lambda b: b[0] != b[1]),
    year=st.sampled_from([2011, 2024, 2026]),
    now_shift_hours=st.integers(-400, 400),
)
def test_plan_properties_in_every_zone(
    zone_name: str,
    raw_steps: list[tuple[DayTiming | OffsetTiming, tuple[int, int] | None, int, bool]],
    data: st.DataObject,
    quiet_bounds: tuple[time, time] | None,
    year: int,
    now_shift_hours: int,
) -> None:
    """Quiet hours hold, day steps keep local time, order is kept, expiry >= due, none dropped."""
    zone = ZoneInfo(zone_name)
    candidates = change_days(zone_name, year)
    base = data.draw(st.sampled_from(candidates)) if candidates else date(year, 6, 15)
    session_wall = datetime.combine(
        base - timedelta(days=data.draw(st.integers(0, 2))), data.draw(minutes)
    )
    session = session_wall.replace(tzinfo=zone).astimezone(UTC)
    steps = []
    for index, (timing, repeat, expires_h, respects) in enumerate(raw_steps):
        every = None
        if repeat is not None:
            gap = (
                timedelta(days=repeat[0])
                if isinstance(timing, DayTiming)
                else timedelta(hours=7 * repeat[0])
            )
            every = Repeat(every=gap, count=repeat[1])
        steps.append(
            step(
                f"s{index}",
                timing,
                repeat=every,
                expires=timedelta(hours=expires_h),
                quiet_hours=respects,
            )
        )
    quiet = QuietHours(start=quiet_bounds[0], end=quiet_bounds[1]) if quiet_bounds else None
    now = session + timedelta(hours=now_shift_hours)
    result = plan(steps, session, zone_name, now=now, quiet=quiet)

    expected = sum(s.repeat.count if s.repeat else 1 for s in steps)
    assert len(result) == expected
    assert len({(m.step_id, m.occurrence) for m in result}) == expected
    order = {s.id: i for i, s in enumerate(steps)}
    keys = [(m.due_at, order[m.step_id], m.occurrence) for m in result]
    assert keys == sorted(keys)
    session_date = session.astimezone(zone).date()
    for message in result:
        source = steps[order[message.step_id]]
        assert message.expires_at >= message.due_at
        assert message.due_at.tzinfo is UTC and message.nominal_at.tzinfo is UTC
        if message.status == "pending":
            assert message.due_at >= now
        if quiet is not None and source.quiet_hours:
            assert not quiet.contains(message.due_at.astimezone(zone).time())
        if quiet is None or not source.quiet_hours:
            assert not message.moved_by_quiet_hours
        if isinstance(source.timing, DayTiming):
            every_days = source.repeat.every.days if source.repeat else 0
            wall = datetime.combine(
                session_date + timedelta(days=source.timing.day + message.occurrence * every_days),
                source.timing.at,
            )
            got = message.nominal_at.astimezone(zone).replace(tzinfo=None)
            # Either the local wall time is kept, or it does not exist (a DST gap) and the
            # message is at the first instant after it.
            exists = (
                wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
                == wall
            )
            assert got == wall if exists else got > wall
