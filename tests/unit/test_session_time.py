"""Session times as staff type them: the grammar by a table, and which leading words of a
one-line /enroll are the time and which the label."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from core.session_time import SessionTimeError, parse_session_time, read_leading_time

KOLKATA = ZoneInfo("Asia/Kolkata")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)  # Wednesday 11:30 in Kolkata


@pytest.mark.parametrize(
    ("typed", "order", "local"),
    [
        ("2026-12-15 10:00", "DMY", datetime(2026, 12, 15, 10, 0)),
        ("2026-03-05 10:00", "MDY", datetime(2026, 3, 5, 10, 0)),
        ("15/12/2026 10:00", "DMY", datetime(2026, 12, 15, 10, 0)),
        ("15.12.26 4pm", "DMY", datetime(2026, 12, 15, 16, 0)),
        ("05/06/2026 10:00", "DMY", datetime(2026, 6, 5, 10, 0)),
        ("05/06/2026 10:00", "MDY", datetime(2026, 5, 6, 10, 0)),
        ("15/12 10:00", "DMY", datetime(2026, 12, 15, 10, 0)),
        ("5/1 10:00", "DMY", datetime(2027, 1, 5, 10, 0)),  # no year: the nearest 5 January
        ("15 dec 10:00", "DMY", datetime(2026, 12, 15, 10, 0)),
        ("Dec 15 4pm", "DMY", datetime(2026, 12, 15, 16, 0)),
        ("today 16:30", "DMY", datetime(2026, 12, 2, 16, 30)),
        ("Tomorrow 10am", "DMY", datetime(2026, 12, 3, 10, 0)),
        ("tomorrow 11", "DMY", datetime(2026, 12, 3, 11, 0)),
        ("tomorrow at 11", "DMY", datetime(2026, 12, 3, 11, 0)),
        ("yesterday 18:00", "DMY", datetime(2026, 12, 1, 18, 0)),
        ("day after tomorrow 9:00", "DMY", datetime(2026, 12, 4, 9, 0)),
        ("in 2 days 10am", "DMY", datetime(2026, 12, 4, 10, 0)),
        ("in a week 10:00", "DMY", datetime(2026, 12, 9, 10, 0)),
        ("next monday 10:30", "DMY", datetime(2026, 12, 7, 10, 30)),
        ("next wednesday 9am", "DMY", datetime(2026, 12, 9, 9, 0)),  # today is Wednesday
        ("wednesday 17:00", "DMY", datetime(2026, 12, 2, 17, 0)),  # a weekday alone: today on
        ("friday 5pm", "DMY", datetime(2026, 12, 4, 17, 0)),
        ("Fri, 5 pm", "DMY", datetime(2026, 12, 4, 17, 0)),
        ("last friday 16:00", "DMY", datetime(2026, 11, 27, 16, 0)),
        ("tues 10am", "DMY", datetime(2026, 12, 8, 10, 0)),
        ("10am tomorrow", "DMY", datetime(2026, 12, 3, 10, 0)),
        ("10am on monday", "DMY", datetime(2026, 12, 7, 10, 0)),
        ("10:00", "DMY", datetime(2026, 12, 2, 10, 0)),
        ("4pm", "DMY", datetime(2026, 12, 2, 16, 0)),
        ("10.30am", "DMY", datetime(2026, 12, 2, 10, 30)),
        ("  4:30   pm ", "DMY", datetime(2026, 12, 2, 16, 30)),
        ("noon", "DMY", datetime(2026, 12, 2, 12, 0)),
        ("12am", "DMY", datetime(2026, 12, 2, 0, 0)),
    ],
)
def test_accepted_forms(typed: str, order: str, local: datetime) -> None:
    """Each accepted form is read as clinic-local wall time on the day it names."""
    moment = parse_session_time(typed, KOLKATA, NOW, date_order=order)
    assert moment.astimezone(KOLKATA).replace(tzinfo=None) == local


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("15/12/2026", "no_time"),
        ("tomorrow", "no_time"),
        ("next monday", "no_time"),
        ("friday 5", "ambiguous_hour"),
        ("Anita", "bad"),
        ("11", "bad"),
        ("31/02/2026 10:00", "bad"),
        ("today 15/12/2026 10:00", "bad"),
        ("tomorrow 10:00 Priya", "bad"),
        ("25:61", "bad"),
        ("13pm", "bad"),
        ("next week 10am", "bad"),
        ("", "bad"),
    ],
)
def test_refused_forms_say_why(typed: str, reason: str) -> None:
    """What cannot be read is refused with a reason, never guessed."""
    with pytest.raises(SessionTimeError) as caught:
        parse_session_time(typed, KOLKATA, NOW)
    assert caught.value.reason == reason


def test_one_dst_rule_a_gap_reads_as_the_transition() -> None:
    """02:30 on the spring-forward night in Berlin does not exist: it is the 03:00 change."""
    moment = parse_session_time("2026-03-29 02:30", BERLIN, NOW)
    assert moment == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "local", "label"),
    [
        ("next monday 10:30 Sunita Devi", datetime(2026, 12, 7, 10, 30), "Sunita Devi"),
        ("tomorrow 11 Priya", datetime(2026, 12, 3, 11, 0), "Priya"),
        ("10:00 Sunita Devi", datetime(2026, 12, 2, 10, 0), "Sunita Devi"),
        ("Sunita Devi", None, "Sunita Devi"),
        ("", None, ""),
        ("now Sunday Adeyemi", datetime(2026, 12, 2, 11, 30), "Sunday Adeyemi"),
        ("today 10:00 Monday Sharma", datetime(2026, 12, 2, 10, 0), "Monday Sharma"),
        ("tomorrow 11 May Chen", datetime(2026, 12, 3, 11, 0), "May Chen"),
        ("May Chen", None, "May Chen"),
        ("Jan Kowalski", None, "Jan Kowalski"),
        ("2231 Sarah", None, "2231 Sarah"),
        ("Sarah Johnson (file 2231)", None, "Sarah Johnson (file 2231)"),
        ("10am tomorrow Priya", datetime(2026, 12, 3, 10, 0), "Priya"),
        ("in 2 days 10am Asha Rao", datetime(2026, 12, 4, 10, 0), "Asha Rao"),
        ("15/12/2026 10:00 Asha", datetime(2026, 12, 15, 10, 0), "Asha"),
    ],
)
def test_leading_words_are_the_time_the_rest_the_label(
    line: str, local: datetime | None, label: str
) -> None:
    """A one-line /enroll's time is the leading words that read as one; the rest is the
    label, as typed."""
    words = line.split()
    found = read_leading_time(words, KOLKATA, NOW)
    wall = None if found.moment is None else found.moment.astimezone(KOLKATA).replace(
        tzinfo=None)
    assert (wall, " ".join(words[found.used:])) == (local, label)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Monday Sharma", "no_time"),  # a day without a time, or a label? Refused.
        ("10:00 Monday Sharma", "ambiguous_day"),
        ("11 Priya", "number_first"),
        ("friday 5 Priya", "ambiguous_hour"),
        ("next week 10am Priya", "unread"),
        ("next fortnight 10:30 Sunita Devi", "unread"),
        ("tomorrow Priya", "no_time"),
    ],
)
def test_words_that_may_be_time_or_label_are_refused(line: str, reason: str) -> None:
    """Where the time ends is never guessed: time words that cannot be read, or words
    that could be either, are refused with the reason."""
    with pytest.raises(SessionTimeError) as caught:
        read_leading_time(line.split(), KOLKATA, NOW)
    assert caught.value.reason == reason
