"""Session times as staff type them (`/enroll`, `/reschedule`, `/session`, the console): a
small grammar of days and clock times over python-dateutil's word lists, date reading and
calendar arithmetic, read as wall time in the clinic's zone.

    time  := now | day [at] clock | clock [at|on] [day] | clock   (a day needs a clock)
    day   := today | tomorrow | yesterday | day after tomorrow | aaj
           | [this | on | coming | next | last] <weekday>       (mon, Monday, ...)
           | in <n> day(s) | in <n> week(s)                    (n: 1-366, "a", "one")
           | 15/12/2026 | 15.12.26 | 2026-12-15 | 15/12         (clinic.date_order)
           | 15 dec [2026] | dec 15 [2026]
    clock := 16:30 | 4pm | 4 pm | 4:30 pm | 10.30am | noon | a bare hour 7-23 after a day

Decisions where people differ: a weekday alone (or with "this", "on", "coming") is the
first such day from today on, today included; "next <weekday>" is the first one after
today; "last <weekday>" the latest before today. A date typed without its year is the
nearest such date (within half a year either way). A bare hour after a day ("tomorrow 11")
is read on the 24-hour clock from 7 to 23; 0-6 could be morning or evening and is refused.

`read_leading_time` finds which leading words of a one-line `/enroll` are the time and
which are the label; whatever it cannot decide it refuses (SessionTimeError), so a time
is never read into a label and a label never into a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import parser as date_parser
from dateutil.relativedelta import relativedelta, weekday

from core.local_time import resolve_local

NOW_WORDS = frozenset({"now"})
_WORDS = date_parser.parserinfo()  # dateutil's English weekday and month names
_DAY_WORDS = {"today": 0, "aaj": 0, "आज": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1,
              "yesterday": -1}
_WEEKDAY_ALIASES = {"tues": "tue", "weds": "wed", "thur": "thu", "thurs": "thu"}
_WEEKDAY_LEADS = {"this": "from_today", "on": "from_today", "coming": "from_today",
                  "next": "after_today", "last": "before_today"}
_COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3}
_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7}
_AMPM = {"am": "am", "a.m.": "am", "pm": "pm", "p.m.": "pm"}
_NUMERIC_DATE = re.compile(r"^\d{1,4}([/.-])\d{1,2}(\1\d{2,4})?$")
_CLOCK = re.compile(r"^(\d{1,2})(?:([:.])(\d{2}))?(am|pm|a\.m\.|p\.m\.)?$")
_BARE_HOURS = range(7, 24)  # "tomorrow 11": the 24-hour clock, where no one means 5 a.m.
HALF_YEAR = timedelta(days=183)
LOOKAHEAD = 4  # label words checked for a time that was not read (the reported bug)


class SessionTimeError(ValueError):
    """Typed text that is not a session time. `reason`:
    bad            nothing here reads as a time
    no_time        a day without a clock time ("tomorrow", "15/12/2026")
    ambiguous_hour a bare hour 0-6 ("friday 5": morning or evening?)
    ambiguous_day  a clock, then a weekday or month word that may begin the label
    number_first   a leading bare number 0-23 ("11 Priya": an hour or the label?)
    unread         time words among the label's first words, but no time before them
    """

    def __init__(self, reason: str, *, words: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.words = words  # the words the problem is about, as typed (for the reply)


@dataclass(frozen=True)
class LeadingTime:
    """A one-line `/enroll`'s time: the instant (None: no time given) and how many of the
    words it took."""

    moment: datetime | None
    used: int


@dataclass(frozen=True)
class _Day:
    day: date
    end: int  # index of the first word after it
    label_like: bool  # a bare weekday or month word, which may begin a label too


@dataclass(frozen=True)
class _Clock:
    at: time
    end: int


def words_of(text: str) -> list[str]:
    """The typed words, lower case, without the commas people put between parts."""
    return [word for word in (w.strip(",;").lower() for w in text.split()) if word]


def parse_session_time(
    text: str, zone: ZoneInfo, now: datetime, *, date_order: str = "DMY"
) -> datetime:
    """The whole of `text` as a session time in `zone` -> the aware UTC instant.
    SessionTimeError when it is not one (or has words left over)."""
    words = words_of(text)
    today = now.astimezone(zone).date()
    if not words:
        raise SessionTimeError("bad")
    if words == ["now"]:
        return now
    wall, used = _read(words, today, date_order, label_follows=False)
    if wall is None or used < len(words):
        raise SessionTimeError("bad", words=text.strip())
    return resolve_local(wall, zone)


def read_leading_time(
    words: list[str], zone: ZoneInfo, now: datetime, *, date_order: str = "DMY"
) -> LeadingTime:
    """Which of the leading `words` are a session time (the rest is the label).

    `now` as the first word is the time now. No time at the start is `LeadingTime(None, 0)`
    (the caller's default, now), unless time words follow among the first few, which were
    meant as the time and could not be read: refused as "unread", like the other
    ambiguities in SessionTimeError.
    """
    lowered = [w.strip(",;").lower() for w in words]
    today = now.astimezone(zone).date()
    if lowered and lowered[0] in NOW_WORDS:
        return LeadingTime(now, 1)
    wall, used = _read(lowered, today, date_order, label_follows=True)
    if wall is not None:
        return LeadingTime(resolve_local(wall, zone), used)
    if lowered and re.fullmatch(r"\d{1,2}", lowered[0]) and int(lowered[0]) < 24:
        raise SessionTimeError("number_first", words=words[0])
    for index, word in enumerate(lowered[:LOOKAHEAD]):
        if _timeish(word):
            raise SessionTimeError("unread", words=" ".join(words[: index + 1]))
    return LeadingTime(None, 0)


def _timeish(word: str) -> bool:
    """A word that only a time would contain: a clock, a numeric date, today/tomorrow."""
    if word in _DAY_WORDS or _NUMERIC_DATE.match(word):
        return True
    found = _CLOCK.match(word)
    return found is not None and bool(found[2] == ":" or found[4])


def _read(
    words: list[str], today: date, order: str, *, label_follows: bool
) -> tuple[datetime | None, int]:
    """(local wall time, words used) of the time at the start of `words`, or (None, 0)."""
    day = _day(words, 0, today, order)
    if day is not None:
        start = day.end + (1 if _word(words, day.end) == "at" else 0)
        clock = _clock(words, start, after_day=True)
        if clock is None and _day(words, start, today, order) is not None:
            raise SessionTimeError("bad", words=" ".join(words[: start + 1]))  # two days
        if clock is None:
            raise SessionTimeError("no_time", words=" ".join(words[: day.end]))
        return datetime.combine(day.day, clock.at), clock.end
    clock = _clock(words, 0, after_day=False)
    if clock is None:
        return None, 0
    start = clock.end + (1 if _word(words, clock.end) in ("on", "at") else 0)
    day = _day(words, start, today, order)
    if day is None:
        return datetime.combine(today, clock.at), clock.end
    if label_follows and day.label_like:
        # "10:00 Monday Sharma": the day, or the label? The day first says it.
        raise SessionTimeError("ambiguous_day", words=" ".join(words[: day.end]))
    return datetime.combine(day.day, clock.at), day.end


def _word(words: list[str], index: int) -> str:
    return words[index] if index < len(words) else ""


def _day(words: list[str], index: int, today: date, order: str) -> _Day | None:
    word = _word(words, index)
    if not word:
        return None
    if word in _DAY_WORDS:
        return _Day(today + timedelta(days=_DAY_WORDS[word]), index + 1, False)
    if words[index:index + 3] == ["day", "after", "tomorrow"]:
        return _Day(today + timedelta(days=2), index + 3, False)
    if word in _WEEKDAY_LEADS and _weekday_number(_word(words, index + 1)) is not None:
        return _weekday(today, _word(words, index + 1), _WEEKDAY_LEADS[word], index + 2)
    if _weekday_number(word) is not None:
        return _weekday(today, word, "from_today", index + 1, label_like=True)
    if word == "in":
        return _in_days(words, index, today)
    if _NUMERIC_DATE.match(word):
        return _Day(_numeric_date(word, today, order), index + 1, False)
    return _month_date(words, index, today)


def _weekday_number(word: str) -> int | None:
    """0 for Monday ("mon", "monday", "tues"...), None for anything else."""
    if len(word) < 3:
        return None
    found: int | None = _WORDS.weekday(_WEEKDAY_ALIASES.get(word, word))
    return found


def _weekday(today: date, name: str, lead: str, end: int, *, label_like: bool = False) -> _Day:
    number = _weekday_number(name)
    assert number is not None
    target = weekday(number)
    if lead == "after_today":
        found = today + relativedelta(days=+1, weekday=target(+1))
    elif lead == "before_today":
        found = today + relativedelta(days=-1, weekday=target(-1))
    else:
        found = today + relativedelta(weekday=target(+1))
    return _Day(found, end, label_like)


def _in_days(words: list[str], index: int, today: date) -> _Day | None:
    """ "in 2 days", "in a week"."""
    count_word, unit = _word(words, index + 1), _word(words, index + 2)
    count = int(count_word) if count_word.isascii() and count_word.isdigit() else (
        _COUNT_WORDS.get(count_word))
    if count is None or unit not in _UNITS or not 0 < count * _UNITS[unit] <= 366:
        return None
    return _Day(today + timedelta(days=count * _UNITS[unit]), index + 3, False)


def _numeric_date(word: str, today: date, order: str) -> date:
    """15/12/2026, 15.12.26, 2026-12-15, 15/12 (the nearest 15 December), per date order."""
    year_first = order == "YMD" or len(re.split(r"[/.-]", word)[0]) == 4
    has_year = len(re.split(r"[/.-]", word)) == 3
    try:
        read = date_parser.parse(
            word, default=_new_year(today), dayfirst=order == "DMY" and not year_first,
            yearfirst=year_first,
        ).date()
    except (ValueError, OverflowError):
        raise SessionTimeError("bad", words=word) from None
    return read if has_year else _nearest(read, today)


def _month_date(words: list[str], index: int, today: date) -> _Day | None:
    """15 dec [2026] or dec 15 [2026]: a number and a month name (dateutil reads them)."""
    first, second = _word(words, index), _word(words, index + 1)
    month_first = _WORDS.month(first) is not None and _day_number(second)
    if not month_first and not (_day_number(first) and _WORDS.month(second) is not None):
        return None
    taken = 2
    year = _word(words, index + 2)
    has_year = len(year) == 4 and year.isascii() and year.isdigit()
    taken += 1 if has_year else 0
    try:
        read = date_parser.parse(" ".join(words[index:index + taken]),
                                 default=_new_year(today)).date()
    except (ValueError, OverflowError):
        raise SessionTimeError("bad", words=" ".join(words[index:index + taken])) from None
    # A month word first (without a year) reads like a label too: "May Chen".
    return _Day(read if has_year else _nearest(read, today), index + taken, label_like=True)


def _new_year(today: date) -> datetime:
    """What dateutil fills in for parts a date leaves out (a naive local wall time)."""
    return datetime.combine(today.replace(month=1, day=1), time(0, 0))


def _day_number(word: str) -> bool:
    bare = word.removesuffix("st").removesuffix("nd").removesuffix("rd").removesuffix("th")
    return bare.isascii() and bare.isdigit() and 1 <= int(bare) <= 31


def _nearest(read: date, today: date) -> date:
    """The date in the year that puts it nearest today (a date typed without its year)."""
    for years in (0, -1, 1):
        try:
            candidate = read.replace(year=today.year + years)
        except ValueError:  # 29 February in a year without one
            continue
        if abs(candidate - today) <= HALF_YEAR:
            return candidate
    return read


def _clock(words: list[str], index: int, *, after_day: bool) -> _Clock | None:
    """A clock time at `index`: 16:30, 4pm, 4 pm, 4:30 pm, 10.30am, noon, or after a day a
    bare hour 7-23. SessionTimeError when it looks like one but is not a time of day."""
    word = _word(words, index)
    if word in ("noon", "midday"):
        return _Clock(time(12, 0), index + 1)
    found = _CLOCK.match(word)
    if found is None:
        return None
    hour_text, separator, minute_text, marker = found.groups()
    end = index + 1
    if marker is None and _word(words, end) in _AMPM:
        marker, end = _word(words, end), end + 1
    if separator == "." and marker is None:
        return None  # 10.30 alone is a date in some clinics' writing; 10.30am is a time
    hour, minute = int(hour_text), int(minute_text or 0)
    if marker is None and separator is None:
        if not after_day:
            return None  # a bare number alone is not a time (it may begin the label)
        if hour not in _BARE_HOURS:
            raise SessionTimeError("ambiguous_hour", words=word)
    if marker is not None:
        if not 1 <= hour <= 12:
            raise SessionTimeError("bad", words=" ".join(words[index:end]))
        hour = hour % 12 + (12 if _AMPM[marker] == "pm" else 0)
    if hour > 23 or minute > 59:
        raise SessionTimeError("bad", words=" ".join(words[index:end]))
    return _Clock(time(hour, minute), end)
