"""A course's own messages (core/course.py), its calendar file (core/calendar.py) and how a
session's time is written for a patient, by tables: no clock, no database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from core.calendar import CalendarEvent, booking_uid, calendar_file
from core.content import Course, DayTiming, LocalizedText, OffsetTiming, Protocol, Step
from core.course import (
    CONFIRM_STEP,
    OUTCOME_STEP,
    RECALL_STEP,
    CourseTexts,
    course_messages,
    minute_key,
    recall_now,
)
from core.plans import plan_enrollment
from core.quiet_hours import QuietHours
from core.texts.dates import session_when

KOLKATA = ZoneInfo("Asia/Kolkata")
QUIET = QuietHours(start=time(21, 0), end=time(8, 0))
TEXTS = CourseTexts(clinic="Sunrise", procedure="Micro mesotherapy (face)",
                    zone_name="Asia/Kolkata")


def local(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=KOLKATA).astimezone(UTC)


def protocol(course: Course | None, *steps: Step) -> Protocol:
    return Protocol(id="p", name=LocalizedText.of("P"), course=course, steps=steps or (
        Step(id="care", timing=OffsetTiming(offset=timedelta(0)), text=LocalizedText.of("x")),))


SKIN = Course(sessions=3, every=timedelta(days=21), maintenance=timedelta(weeks=26))


def messages(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "protocol": protocol(SKIN), "session_start": local(10, 16), "session_number": 1,
        "booked": False, "confirm_before": timedelta(hours=24), "zone": KOLKATA,
        "quiet": QUIET, "now": local(1, 10), "language": "en", "texts": TEXTS,
    }
    values.update(overrides)
    return values


def test_a_booked_session_asks_to_confirm_confirm_hours_before() -> None:
    """Booked ahead: one message, the confirmation, 24 h before, keyed by the session's
    minute, with the two answers, in the patient's language and zone."""
    [confirm] = course_messages(**messages(booked=True))  # type: ignore[arg-type]
    assert (confirm.step_id, confirm.kind, confirm.status) == (CONFIRM_STEP, "confirm", "pending")
    assert confirm.due_at == local(9, 16) and confirm.expires_at == local(10, 15)
    assert confirm.occurrence == minute_key(local(10, 16))
    assert "Tue 10 Mar, 16:00" in confirm.text and "<b>" in confirm.text
    assert [label for _id, label in confirm.options] == ["I'll be there", "I need to change it"]
    [hindi] = course_messages(**messages(booked=True, language="hi"))  # type: ignore[arg-type]
    assert "मंगलवार, 10 मार्च, 16:00" in hindi.text


@pytest.mark.parametrize(
    ("session", "now", "due", "status"),
    [
        (local(10, 8, 30), local(1, 10), local(9, 8, 30), "pending"),  # 08:30: not quiet
        (local(10, 7, 0), local(1, 10), local(9, 8, 0), "pending"),  # 07:00 -> 08:00
        (local(10, 16), local(10, 12), local(10, 12), "pending"),  # booked late: now
        # Too late, or pushed past the cutoff by quiet hours: expired, keeping the time it
        # was due (as a plan does).
        (local(10, 16), local(10, 15, 30), local(9, 16), "expired"),
        (local(10, 23), local(10, 21, 30), local(10, 8), "expired"),
    ],
)
def test_confirmation_times_keep_quiet_hours_and_a_cutoff(
    session: datetime, now: datetime, due: datetime, status: str
) -> None:
    """Quiet hours move the request to their end; booked late it is due now; within an
    hour of the session (or pushed past that by quiet hours) it is expired."""
    [confirm] = course_messages(**messages(  # type: ignore[arg-type]
        booked=True, session_start=session, now=now))
    assert (confirm.due_at, confirm.status) == (due, status)
    assert confirm.expires_at >= confirm.due_at


def test_a_done_session_is_followed_by_the_recall_then_maintenance_and_outcome() -> None:
    """Session 1 of 3: the recall 21 days later (session 2 of 3). Session 3: the
    maintenance recall 26 weeks later and, with no outcome step, the outcome 21 days later.
    A protocol without a course adds nothing; with an outcome step, no course-end outcome."""
    [recall] = course_messages(**messages())  # type: ignore[arg-type]
    assert (recall.step_id, recall.due_at) == (RECALL_STEP, local(31, 16))
    assert "session 2 of 3" in recall.text
    assert [option for option, _label in recall.options] == ["call", "self", "finished"]
    last = course_messages(**messages(session_number=3))  # type: ignore[arg-type]
    assert [(m.step_id, m.due_at) for m in last] == [
        (RECALL_STEP, local(10, 16) + timedelta(weeks=26)),
        (OUTCOME_STEP, local(31, 16)),
    ]
    assert "maintenance" in last[0].text
    assert [label for _id, label in last[1].options] == ["1", "2", "3", "4", "5"]
    assert course_messages(**messages(protocol=protocol(None))) == ()  # type: ignore[arg-type]
    asked = Step(id="how", timing=DayTiming(day=30, at=time(11)), text=LocalizedText.of("?"),
                 kind="outcome", sessions=(3,))
    with_step = protocol(SKIN, asked)
    [only_recall] = course_messages(**messages(  # type: ignore[arg-type]
        protocol=with_step, session_number=3))
    assert only_recall.step_id == RECALL_STEP
    no_maintenance = Course(sessions=2, every=timedelta(days=7))
    assert [m.step_id for m in course_messages(**messages(  # type: ignore[arg-type]
        protocol=protocol(no_maintenance), session_number=2))] == [OUTCOME_STEP]


def test_recall_now_is_quiet_hours_aware_and_keyed_by_the_minute() -> None:
    """After a no-show at 22:00 the recall waits for 08:00; its key is the minute asked."""
    recall = recall_now(protocol=protocol(SKIN), session_number=1, now=local(10, 22),
                        zone=KOLKATA, quiet=QUIET, language="en", texts=TEXTS)
    assert recall is not None and recall.due_at == local(11, 8)
    assert recall.occurrence == minute_key(local(10, 22))
    assert recall_now(protocol=protocol(None), session_number=1, now=local(10, 22),
                      zone=KOLKATA, quiet=QUIET, language="en", texts=TEXTS) is None


def test_steps_follow_their_sessions_and_a_booked_session_plans_pre_care_only() -> None:
    """`sessions = [1, 4]` plans a step at those sessions only; a booked session gets only
    the steps before it; a photo step is planned as kind photo, an outcome with 1-5."""
    steps = (
        Step(id="pre", timing=DayTiming(day=-1, at=time(18)), text=LocalizedText.of("pre")),
        Step(id="photo", timing=DayTiming(day=1, at=time(12)), text=LocalizedText.of("photo"),
             kind="photo", sessions=(1, 4)),
        Step(id="how", timing=DayTiming(day=30, at=time(11)), text=LocalizedText.of("?"),
             kind="outcome"),
    )

    def plan(number: int, booked: bool = False) -> list[tuple[str, str]]:
        return [(m.step_id, m.kind) for m in plan_enrollment(
            protocol=protocol(SKIN, *steps), session_start=local(10, 16), zone=KOLKATA,
            quiet=QUIET, now=local(1, 10), language="en", default_language="en",
            placeholders={}, session_number=number, precare_only=booked)]

    assert plan(1) == [("pre", "reminder"), ("photo", "photo"), ("how", "outcome")]
    assert plan(2) == [("pre", "reminder"), ("how", "outcome")]
    assert plan(4, booked=True) == [("pre", "reminder")]


@pytest.mark.parametrize(
    ("moment", "language", "shown"),
    [
        (local(15, 16, month=12), "en", "Tue 15 Dec, 16:00"),
        (local(15, 16, month=12), "hi", "मंगलवार, 15 दिसंबर, 16:00"),
        (datetime(2027, 1, 4, 4, 30, tzinfo=UTC), "en", "Mon 4 Jan 2027, 10:00"),
    ],
)
def test_session_when_is_written_in_the_patients_language(
    moment: datetime, language: str, shown: str
) -> None:
    """Weekday and month names by language (never the machine's locale); the year only
    when it is not this year."""
    assert session_when(moment, KOLKATA, language, local(1, 10)) == shown


def test_calendar_file_has_the_zone_uid_and_sequence() -> None:
    """The .ics parses back: VTIMEZONE of the clinic's zone, each event with its stable UID,
    SEQUENCE, TZID start, 45 minutes, status; text with commas and semicolons survives."""
    events = [
        CalendarEvent(uid=booking_uid(7, "bot.t.me"), sequence=3, start=local(15, 16, month=12),
                      summary="Micro mesotherapy; session 2, Sunrise", status="CONFIRMED",
                      location="Sunrise"),
        CalendarEvent(uid=booking_uid(8, "bot.t.me"), sequence=1, start=local(22, 11, month=12),
                      summary="session 3", status="CANCELLED"),
    ]
    data = calendar_file(events, zone=KOLKATA, now=local(1, 10), name="Sunrise")
    parsed = Calendar.from_ical(data)
    [zone] = parsed.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Kolkata"
    first, second = parsed.walk("VEVENT")
    assert str(first["uid"]) == "aftercare-booking-7@bot.t.me" and int(first["sequence"]) == 3
    assert first["dtstart"].params["TZID"] == "Asia/Kolkata"
    assert first.decoded("dtstart") == datetime(2026, 12, 15, 16, 0, tzinfo=KOLKATA)
    assert first.decoded("duration") == timedelta(minutes=45)
    assert str(first["summary"]) == "Micro mesotherapy; session 2, Sunrise"
    assert str(second["status"]) == "CANCELLED"
    assert data.startswith(b"BEGIN:VCALENDAR") and b"\r\n" in data


def test_staff_see_a_step_count_not_a_course_messages_minute_key() -> None:
    """ "recall #29570701" told staff nothing: a course message's occurrence is a minute key
    (core.course), a protocol step's a count ("sun #2")."""
    from core.course import RECALL_STEP, shown_occurrence

    assert shown_occurrence("sun", 0) == ""
    assert shown_occurrence("sun", 1) == " #2"
    assert shown_occurrence(RECALL_STEP, minute_key(local(10, 22))) == ""
