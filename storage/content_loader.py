"""Reading and validating clinic content files into the frozen content model, and the
learned readers' weights shipped with the code (core/data/learned.json).

Every problem is collected (not only the first), each with its file, a location such as
`steps[id=sun].at`, `faq[2].answer` (1-based when the id is unusable) or
`line 12, column 5` (TOML syntax), and what is expected.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from core.content import (
    DEFAULT_EXPIRY,
    DEFAULT_PAIN_THRESHOLD,
    DEFAULT_SETTLE_DAYS,
    PAIN_MAX,
    STEP_KINDS,
    Content,
    Course,
    DayTiming,
    LastingRule,
    OffsetTiming,
    Option,
    Protocol,
    RedFlagRule,
    RedFlags,
    Repeat,
    Step,
    StepKind,
    Timing,
    TogetherGroups,
)
from core.durations import MAX_DURATION, format_duration
from core.learned import MODEL_FILE, Learned
from core.local_time import parse_hhmm
from storage.content_reader import (
    ContentError,
    ContentProblem,
    FaqFile,
    FileReader,
    join_location,
    label_of,
    read_faq,
    rendered_typography,
    summarise,
    unique_id,
)

__all__ = [
    "ContentError",
    "ContentProblem",
    "ContentReport",
    "check_content",
    "load_content",
    "load_learned",
    "read_content",
    "rendered_typography",
    "summarise",
    "validate_content",
]


PROTOCOL_KEYS = {"id", "name", "description", "steps", "settle_days", "course"}
STEP_KEYS = {"id", "at", "day", "time", "repeat", "expires", "quiet_hours", "kind", "text"} | {
    "options", "sessions", "threshold"
}
COURSE_KEYS = {"sessions", "every", "maintenance"}
MAX_COURSE_SESSIONS = 60  # a weekly course of more than a year is a typo
MIN_COURSE_GAP = timedelta(days=1)  # sessions of a course are days apart at least
MIN_MAINTENANCE = timedelta(days=7)
MAX_SESSION_NUMBER = 200  # `sessions = [...]` of a step: which session numbers
OPTION_KEYS = {"id", "text", "escalate"}
RED_FLAG_KEYS = {"id", "phrases", "together", "reply", "emergency"}
RED_FLAGS_FILE_KEYS = {"reply", "red_flag", "lasting", "info_faq", "ignore"}
LASTING_KEYS = {"id", "symptoms", "still", "early_reply"}


def _timing(reader: FileReader, step: Mapping[str, Any], where: str) -> Timing | None:
    has_at, has_day = "at" in step, "day" in step
    if has_at and (has_day or "time" in step):
        reader.problem(where, 'use either at = "+24h" or day = N with time = "HH:MM", not both')
        return None
    if has_at:
        offset = reader.duration(step["at"], join_location(where, "at"), positive=False)
        return OffsetTiming(offset=offset) if offset is not None else None
    if not has_day:
        reader.problem(where, 'missing a time: at = "+24h" or day = 1 with time = "09:00"')
        return None
    day = step["day"]
    if isinstance(day, bool) or not isinstance(day, int):
        reader.problem(join_location(where, "day"), f"expected a whole number of days, got {day!r}")
        return None
    if abs(day) > MAX_DURATION.days:
        reader.problem(
            join_location(where, "day"),
            f"{day} is more than {MAX_DURATION.days} days from the session (three years): "
            "aftercare that far away is a new enrollment",
        )
        return None
    raw = step.get("time")
    at: time | None = None
    if isinstance(raw, time):
        at = raw.replace(tzinfo=None)
    elif raw is None:
        reader.problem(join_location(where, "time"), 'missing; a day step needs time = "HH:MM"')
    else:
        try:
            at = parse_hhmm(raw) if isinstance(raw, str) else None
        except ValueError:
            at = None
        if at is None:
            reader.problem(
                join_location(where, "time"), f'expected "HH:MM" (00:00-23:59), got {raw!r}'
            )
    return DayTiming(day=day, at=at) if at is not None else None


MAX_REPEAT = 60  # messages one step may repeat into


def _repeat(reader: FileReader, value: Any, where: str, timing: Timing | None) -> Repeat | None:
    table = reader.table(value, where)
    if table is None:
        return None
    reader.unknown_keys(table, {"every", "count"}, where)
    every = reader.duration(table.get("every"), join_location(where, "every"), positive=True)
    count = table.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        reader.problem(
            join_location(where, "count"), f"expected a whole number >= 1, got {count!r}"
        )
        return None
    if count > MAX_REPEAT:
        reader.problem(
            join_location(where, "count"),
            f"{count} is more than {MAX_REPEAT}: one step repeating that often would flood "
            "the patient (and every consent would store that many messages)",
        )
        return None
    if every is None:
        return None
    if every * (count - 1) > MAX_DURATION:
        reader.problem(
            join_location(where, "every"),
            f"{count} times every {format_duration(every)} reaches past {MAX_DURATION.days} "
            "days from the session",
        )
        return None
    if isinstance(timing, DayTiming) and every % timedelta(days=1):
        reader.problem(
            join_location(where, "every"), 'a day step repeats in whole days, like "1d" or "7d"'
        )
        return None
    return Repeat(every=every, count=count)


def _option(reader: FileReader, table: Mapping[str, Any], where: str) -> Option | None:
    reader.unknown_keys(table, OPTION_KEYS, where)
    option_id = reader.ident(table, where)
    text = reader.text(table, "text", where)
    escalate = reader.boolean(table, "escalate", where, False)
    if option_id is None or text is None:
        return None
    return Option(id=option_id, text=text, escalate=escalate)


def _step(reader: FileReader, table: Mapping[str, Any], where: str) -> Step | None:
    reader.unknown_keys(table, STEP_KEYS, where)
    step_id = reader.ident(table, where)
    timing = _timing(reader, table, where)
    repeat = (
        _repeat(reader, table["repeat"], join_location(where, "repeat"), timing)
        if "repeat" in table
        else None
    )
    expires = DEFAULT_EXPIRY
    if "expires" in table:
        expires = (
            reader.duration(table["expires"], join_location(where, "expires"), positive=True)
            or expires
        )
    quiet = reader.boolean(table, "quiet_hours", where, True)
    kind = table.get("kind", "reminder")
    if kind not in STEP_KINDS:
        reader.problem(
            join_location(where, "kind"),
            f"expected one of {', '.join(repr(k) for k in STEP_KINDS)}, got {kind!r}",
        )
    text = reader.text(table, "text", where)
    sessions = _sessions(reader, table["sessions"], join_location(where, "sessions")) if (
        "sessions" in table) else ()
    threshold = DEFAULT_PAIN_THRESHOLD
    if "threshold" in table:
        threshold = _threshold(reader, table["threshold"], join_location(where, "threshold"))
        if kind != "photo":
            reader.problem(join_location(where, "threshold"),
                           'a threshold is only for kind = "photo" (the pain score, 0-10)')
    options: list[Option] = []
    if "options" in table:
        seen: set[str] = set()
        for index, raw in enumerate(
            reader.tables(table["options"], join_location(where, "options"), "options")
        ):
            place = join_location(where, label_of("options", index, raw, seen))
            option = _option(reader, raw, place)
            unique_id(reader, seen, option.id if option else None, place, "option")
            if option is not None:
                options.append(option)
    if kind == "checkin" and len(table.get("options") or ()) < 2:
        reader.problem(
            join_location(where, "options"), "a check-in needs at least 2 options to answer with"
        )
    if kind != "checkin" and table.get("options"):
        reader.problem(
            join_location(where, "options"),
            'options are only for kind = "checkin" (a photo check-in asks its own two '
            "questions; an outcome question is answered 1-5)",
        )
    if step_id is None or timing is None or text is None or kind not in STEP_KINDS:
        return None
    step_kind: StepKind = next(k for k in STEP_KINDS if k == kind)
    return Step(
        id=step_id,
        timing=timing,
        text=text,
        kind=step_kind,
        repeat=repeat,
        expires=expires,
        quiet_hours=quiet,
        options=tuple(options),
        sessions=sessions,
        threshold=threshold,
    )


def _sessions(reader: FileReader, value: Any, where: str) -> tuple[int, ...]:
    """`sessions = [1, 4, 8]`: distinct session numbers from 1."""
    good = isinstance(value, list) and value and all(
        isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_SESSION_NUMBER
        for n in value)
    if not good:
        reader.problem(where, f"expected a list of session numbers from 1 to "
                              f"{MAX_SESSION_NUMBER}, like [1, 4, 8], got {value!r}")
        return ()
    if len(set(value)) != len(value):
        reader.problem(where, f"a session number is listed twice in {value!r}")
        return ()
    return tuple(sorted(value))


def _threshold(reader: FileReader, value: Any, where: str) -> int:
    """A photo check-in's pain threshold: a whole number 0-9 (a score above it, out of
    PAIN_MAX, opens a case; 10 would open none)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < PAIN_MAX:
        reader.problem(where, f"expected a whole number from 0 to {PAIN_MAX - 1}: a pain "
                              f"score (0-{PAIN_MAX}) above it opens a case, got {value!r}")
        return DEFAULT_PAIN_THRESHOLD
    return value


def _course(reader: FileReader, value: Any) -> Course | None:
    """`course = { sessions = 3, every = "21d", maintenance = "26w" }`."""
    table = reader.table(value, "course")
    if table is None:
        return None
    reader.unknown_keys(table, COURSE_KEYS, "course")
    sessions = table.get("sessions")
    if (isinstance(sessions, bool) or not isinstance(sessions, int)
            or not 1 <= sessions <= MAX_COURSE_SESSIONS):
        reader.problem("course.sessions", f"expected a whole number of sessions from 1 to "
                                          f"{MAX_COURSE_SESSIONS}, got {sessions!r}")
        sessions = None
    if "every" not in table:
        reader.problem("course.every", 'missing; how long after a session the next is due, '
                                       'like "7d" or "3w"')
        every = None
    else:
        every = reader.duration(table["every"], "course.every", positive=True)
        if every is not None and every < MIN_COURSE_GAP:
            reader.problem("course.every", f"{table['every']!r} is less than a day: sessions "
                                           'of a course are days apart, like "7d"')
            every = None
    maintenance = None
    if "maintenance" in table:
        maintenance = reader.duration(table["maintenance"], "course.maintenance",
                                      positive=True)
        if maintenance is not None and maintenance < MIN_MAINTENANCE:
            reader.problem("course.maintenance",
                           f"{table['maintenance']!r} is less than a week: a maintenance "
                           'session comes months later, like "26w"')
            maintenance = None
    if sessions is None or every is None or ("maintenance" in table and maintenance is None):
        return None
    return Course(sessions=sessions, every=every, maintenance=maintenance)


def _protocol(reader: FileReader, data: Mapping[str, Any]) -> Protocol | None:
    reader.unknown_keys(data, PROTOCOL_KEYS, "")
    protocol_id = reader.ident(data, "")
    name = reader.text(data, "name", "")
    description = reader.text(data, "description", "") if "description" in data else None
    steps: list[Step] = []
    seen: set[str] = set()
    raw_steps = reader.tables(data.get("steps"), "steps", "steps") if "steps" in data else []
    if "steps" not in data or data["steps"] == []:
        reader.problem("steps", "missing; a protocol needs at least one [[steps]] entry")
    for index, raw in enumerate(raw_steps):
        where = label_of("steps", index, raw, seen)
        step = _step(reader, raw, where)
        unique_id(
            reader, seen, raw.get("id") if isinstance(raw.get("id"), str) else None, where, "step"
        )
        if step is not None:
            steps.append(step)
    settle = reader.positive_int(data, "settle_days", "", DEFAULT_SETTLE_DAYS)
    course = _course(reader, data["course"]) if "course" in data else None
    if course is not None and course.maintenance is None:
        for step in steps:
            beyond = [n for n in step.sessions if n > course.sessions]
            if beyond:
                reader.problem(
                    f"steps[id={step.id}].sessions",
                    f"session {beyond[0]} is beyond the course's {course.sessions} sessions "
                    "(and the course declares no maintenance sessions)",
                )
    if protocol_id is None or name is None or len(steps) != len(raw_steps) or not steps:
        return None
    if "course" in data and course is None:
        return None
    return Protocol(
        id=protocol_id, name=name, steps=tuple(steps), description=description,
        settle_days=settle, course=course,
    )


def _lasting(reader: FileReader, value: Any) -> LastingRule | None:
    table = reader.table(value, "lasting")
    if table is None:
        return None
    reader.unknown_keys(table, LASTING_KEYS, "lasting")
    rule_id = reader.ident(table, "lasting")
    symptoms = reader.phrases(table, "symptoms", "lasting")
    still = reader.phrases(table, "still", "lasting")
    early = reader.text(table, "early_reply", "lasting")
    if rule_id and symptoms and still and early:
        return LastingRule(id=rule_id, symptoms=symptoms, still=still, early_reply=early)
    return None


MAX_TOGETHER_GROUPS = 4


def _together(
    reader: FileReader, value: Any, where: str
) -> tuple[TogetherGroups, ...] | None:
    """`[[red_flag.together]]` tables: per language, 2 to 4 lists of words (one word of each
    list in one sentence makes the concept), the same number of lists in every language.
    None when one is malformed (reported)."""
    tables = reader.tables(value, join_location(where, "together"), "red_flag.together")
    found: list[TogetherGroups] = []
    ok = True
    for index, table in enumerate(tables):
        place = f"{join_location(where, 'together')}[{index}]"
        groups: dict[str, tuple[tuple[str, ...], ...]] = {}
        for language, lists in table.items():
            good = (
                isinstance(lists, list)
                and 2 <= len(lists) <= MAX_TOGETHER_GROUPS
                and all(isinstance(words, list) and words
                        and all(isinstance(w, str) and w.strip() for w in words)
                        for words in lists)
            )
            if not good:
                reader.problem(
                    f"{place}.{language}",
                    f"expected 2 to {MAX_TOGETHER_GROUPS} lists of words, like "
                    f'{language} = [["pus", "fluid"], ["oozing", "leaking"]]',
                )
                ok = False
                continue
            groups[language] = tuple(tuple(words) for words in lists)
        sizes = {len(lists) for lists in groups.values()}
        if len(sizes) > 1:
            reader.problem(place, "expected the same number of word lists in every language")
            ok = False
        elif groups:
            found.append(groups)
        elif ok:
            reader.problem(place, 'expected word lists per language, like en = [[...], [...]]')
            ok = False
    return tuple(found) if ok else None


def _red_flags(reader: FileReader, data: Mapping[str, Any]) -> RedFlags | None:
    reader.unknown_keys(data, RED_FLAGS_FILE_KEYS, "")
    reply = reader.text(data, "reply", "")
    rules: list[RedFlagRule] = []
    seen: set[str] = set()
    raw_rules = reader.tables(data.get("red_flag", []), "red_flag", "red_flag")
    if not raw_rules:
        reader.problem("red_flag", "expected at least one [[red_flag]] rule with phrases")
    for index, raw in enumerate(raw_rules):
        where = label_of("red_flag", index, raw, seen)
        reader.unknown_keys(raw, RED_FLAG_KEYS, where)
        rule_id = reader.ident(raw, where)
        unique_id(reader, seen, rule_id, where, "red-flag")
        phrases = reader.phrases(raw, "phrases", where)
        together = _together(reader, raw.get("together", []), where)
        rule_reply = reader.text(raw, "reply", where) if "reply" in raw else None
        emergency = reader.boolean(raw, "emergency", where, False)
        if rule_id and phrases and together is not None:
            rules.append(RedFlagRule(id=rule_id, phrases=phrases, together=together,
                                     reply=rule_reply, emergency=emergency))
    lasting = _lasting(reader, data["lasting"]) if "lasting" in data else None
    info_faq = data.get("info_faq")
    if info_faq is not None and not isinstance(info_faq, str):
        reader.problem("info_faq", f"expected the id of a FAQ entry, got {info_faq!r}")
        info_faq = None
    ignore = reader.phrases(data, "ignore", "", complete=False) if "ignore" in data else {}
    if reply is None:
        return None
    return RedFlags(reply=reply, rules=tuple(rules), lasting=lasting, info_faq=info_faq,
                    ignore=ignore)


@dataclass(frozen=True, kw_only=True)
class ContentReport:
    """Everything `check` needs: the content (None if unusable), problems, warnings."""

    content: Content | None
    problems: list[ContentProblem]
    warnings: list[ContentProblem]


def check_content(
    directory: Path, languages: Sequence[str], default_language: str
) -> ContentReport:
    """Read and validate everything: problems make the content unusable, warnings do not."""
    required = tuple(dict.fromkeys([*languages, default_language]))
    problems: list[ContentProblem] = []
    warnings: list[ContentProblem] = []
    if not directory.is_dir():
        problems.append(
            ContentProblem(file=str(directory), location="", message="content folder not found")
        )
        return ContentReport(content=None, problems=problems, warnings=warnings)

    def read(path: Path, build: Callable[[FileReader, dict[str, Any]], Any]) -> Any:
        reader = FileReader(str(path), required, problems, default_language=default_language,
                            warnings=warnings)
        if not path.is_file():
            reader.problem("", "file not found")
            return None
        data = reader.parse(path)
        return build(reader, data) if data is not None else None

    protocols = _read_protocols(directory, read, problems)
    faq_path = directory / "faq.toml"
    faq: FaqFile | None = read(faq_path, read_faq)
    red_flags: RedFlags | None = read(directory / "red_flags.toml", _red_flags)
    if faq is not None:
        for entry in faq.entries:
            for protocol_id in entry.protocols:
                if protocol_id not in protocols:
                    problems.append(ContentProblem(
                        file=str(faq_path), location=f"faq[id={entry.id}].protocols",
                        message=f"unknown protocol {protocol_id!r}; known protocols: "
                        f"{', '.join(sorted(protocols)) or 'none'}",
                    ))
    info = red_flags.info_faq if red_flags is not None else None
    if info is not None and faq is not None and info not in {e.id for e in faq.entries}:
        problems.append(ContentProblem(
            file=str(directory / "red_flags.toml"), location="info_faq",
            message=f"no FAQ entry with id {info!r} in faq.toml",
        ))
    if problems or faq is None or red_flags is None:
        return ContentReport(content=None, problems=problems, warnings=warnings)
    content = Content(
        protocols=protocols, faq=faq.entries, red_flags=red_flags, languages=required,
        faq_groups=faq.groups, warnings=tuple(summarise(warnings, default_language)),
    )
    return ContentReport(content=content, problems=problems, warnings=warnings)


def _read_protocols(
    directory: Path, read: Callable[[Path, Callable[[FileReader, dict[str, Any]], Any]], Any],
    problems: list[ContentProblem],
) -> dict[str, Protocol]:
    protocols: dict[str, Protocol] = {}
    origin: dict[str, str] = {}
    files = sorted((directory / "protocols").glob("*.toml"))
    if not files:
        problems.append(
            ContentProblem(
                file=str(directory / "protocols"),
                location="",
                message="no protocols; expected at least one protocols/<id>.toml file",
            )
        )
    for path in files:
        protocol = read(path, _protocol)
        if protocol is None:
            continue
        if protocol.id in protocols:
            problems.append(
                ContentProblem(
                    file=str(path),
                    location="id",
                    message=f"duplicate protocol id {protocol.id!r}, see {origin[protocol.id]}",
                )
            )
            continue
        protocols[protocol.id] = protocol
        origin[protocol.id] = str(path)
    return protocols


def read_content(
    directory: Path, languages: Sequence[str], default_language: str
) -> tuple[Content | None, list[ContentProblem]]:
    """The content (None if any problem) and every problem; warnings are in
    `content.warnings` (summarised) and, one by one, in `check_content`."""
    report = check_content(directory, languages, default_language)
    return report.content, report.problems


def validate_content(
    directory: Path, languages: Sequence[str], default_language: str
) -> list[ContentProblem]:
    """Every problem in the content folder (empty when it is usable)."""
    return read_content(directory, languages, default_language)[1]


def load_content(directory: Path, languages: Sequence[str], default_language: str) -> Content:
    """The validated content; raises ContentError listing every problem (never for a
    warning: those are in `content.warnings`)."""
    content, problems = read_content(directory, languages, default_language)
    if content is None:
        raise ContentError(problems)
    return content


@functools.cache
def load_learned() -> Learned:
    """The learned readers shipped with the code (core/data/learned.json; read once)."""
    data = json.loads(resources.files("core").joinpath("data", MODEL_FILE).read_text("utf-8"))
    return Learned.from_dict(data)
