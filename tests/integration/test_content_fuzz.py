"""Fuzzing content files and settings: `check` never crashes (every problem as
`file: place: what`), and content that passes plans an enrollment in under a second."""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.settings import SettingsError, load_settings
from core.plans import plan_enrollment
from core.quiet_hours import QuietHours
from storage.content_loader import read_content

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


def toml_value(value: object) -> str:
    """A TOML literal for a fuzzed value (JSON's string escapes are TOML's too)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value) if value == value and abs(value) != float("inf") else '"nan"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


DURATION_LIKE = st.one_of(
    st.from_regex(r"[+-]?\d{1,16}[smhdw]", fullmatch=True),
    st.text(max_size=12),
    st.integers(),
)
VALUES = st.one_of(
    st.integers(min_value=-(10**15), max_value=10**15), st.text(max_size=30), DURATION_LIKE,
    st.booleans(), st.floats(allow_nan=False), st.lists(st.integers(), max_size=3),
)
FIELDS = st.dictionaries(
    st.sampled_from(["at", "day", "time", "expires", "kind", "quiet_hours", "id"]),
    VALUES, max_size=4,
)
REPEAT = st.one_of(
    st.none(),
    st.fixed_dictionaries({"every": DURATION_LIKE, "count": VALUES}),
)


def _protocol(step: dict[str, object], repeat: dict[str, object] | None) -> str:
    lines = ['id = "fuzzed"', 'name = "Fuzzed"', "", "[[steps]]"]
    fields = {"id": "s1", "at": "+1h", "text": "Hello {clinic}", **step}
    for key, value in fields.items():
        lines.append(f"{key} = {toml_value(value)}")
    if repeat is not None:
        lines.append("repeat = { " + ", ".join(
            f"{key} = {toml_value(value)}" for key, value in repeat.items()) + " }")
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(step=FIELDS, repeat=REPEAT)
def test_check_never_crashes_and_what_passes_plans_fast(
    tmp_path: Path, step: dict[str, object], repeat: dict[str, object] | None
) -> None:
    folder = tmp_path / "content"
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "protocols").mkdir(parents=True)
    shutil.copy(REPO / "content" / "faq.toml", folder / "faq.toml")
    shutil.copy(REPO / "content" / "red_flags.toml", folder / "red_flags.toml")
    (folder / "protocols" / "fuzzed.toml").write_text(_protocol(step, repeat), encoding="utf-8")
    content, problems = read_content(folder, ["en"], "en")
    for problem in problems:
        assert ": " in str(problem)  # file: place: what
    if content is None:
        return
    protocol = content.protocols["fuzzed"]
    started = time.perf_counter()
    plan_enrollment(
        protocol=protocol, session_start=NOW, zone=ZoneInfo("Asia/Kolkata"),
        quiet=QuietHours.parse("21:00-08:00"), now=NOW, language="en",
        default_language="en", placeholders={"clinic": "C", "contact": "+91"},
    )
    assert time.perf_counter() - started < 1.0


def test_a_million_repeats_and_nesting_are_refused_by_check(tmp_path: Path) -> None:
    """The reported cases: repeat.count = 1000000, +3650000d, day = 10^12, every =
    "999999999d", +99999999999999d, and TOML nested 5,000 deep: problems, not crashes."""
    cases = {
        "count": {"repeat": {"every": "1d", "count": 1_000_000}},
        "offset": {"at": "+3650000d"},
        "huge": {"at": "+99999999999999d"},
        "day": {"day": 10**12, "time": "09:00", "at": None},
        "every": {"repeat": {"every": "999999999d", "count": 2}},
    }
    for name, change in cases.items():
        folder = tmp_path / name
        (folder / "protocols").mkdir(parents=True)
        step = {k: v for k, v in change.items() if k != "repeat" and v is not None}
        if change.get("at", "") is None:
            step = {**step}
        text = _protocol(step, change.get("repeat"))  # type: ignore[arg-type]
        if change.get("at", "") is None:
            text = text.replace('at = "+1h"\n', "")
        (folder / "protocols" / "p.toml").write_text(text, encoding="utf-8")
        content, problems = read_content(folder, ["en"], "en")
        assert content is None and problems, name
    deep = tmp_path / "deep"
    (deep / "protocols").mkdir(parents=True)
    (deep / "protocols" / "p.toml").write_text("x = " + "[" * 5000 + "]" * 5000)
    content, problems = read_content(deep, ["en"], "en")
    assert content is None and any("nested too deeply" in str(p) for p in problems)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    section=st.sampled_from(["delivery", "retention", "invites", "logging", "health", "clinic",
                             "staff", "telegram", "console"]),
    key=st.sampled_from(["poll_seconds", "days", "ttl_days", "level", "listen", "timezone",
                         "admin_ids", "read_timeout", "url", "languages", "quiet_hours"]),
    value=VALUES,
)
def test_settings_never_crash_loading(
    tmp_path: Path, section: str, key: str, value: object
) -> None:
    """Any value for any key: settings load, or a SettingsError naming the file."""
    path = tmp_path / "settings.toml"
    path.write_text(f"[{section}]\n{key} = {toml_value(value)}\n", encoding="utf-8")
    try:
        load_settings(path, {})
    except SettingsError as error:
        assert str(path) in str(error)
