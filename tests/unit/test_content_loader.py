"""Tests for the content loader: good content loads, and every kind of mistake is reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.content import DayTiming, OffsetTiming
from storage.content_loader import ContentError, load_content, validate_content

GOOD = Path(__file__).parent / "fixtures" / "good"
LANGUAGES = ["en", "hi"]


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A private copy of the good fixture content, for a test to break."""
    return Path(shutil.copytree(GOOD, tmp_path / "content"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems(directory: Path) -> list[str]:
    return [str(problem) for problem in validate_content(directory, LANGUAGES, "en")]


def test_good_content_loads_into_the_model() -> None:
    """The fixture loads: protocol, steps with both timings, repeat, options, FAQ, red flags."""
    loaded = load_content(GOOD, LANGUAGES, "en")
    face = loaded.protocols["face"]
    assert [step.id for step in face.steps] == ["pre-aspirin", "no-exercise", "sun", "checkin-day2"]
    assert isinstance(face.steps[0].timing, OffsetTiming)
    assert face.steps[1].quiet_hours is False
    sun = face.steps[2]
    assert isinstance(sun.timing, DayTiming) and sun.repeat and sun.repeat.count == 3
    assert sun.text.get("hi") == "Avoid direct sun today."
    assert [option.escalate for option in face.steps[3].options] == [False, True]
    assert loaded.faq[0].keywords["hi"] == ("मेकअप",)
    assert loaded.red_flags.rules[0].id == "infection"
    assert loaded.languages == ("en", "hi")


def test_bad_offset_names_file_place_and_expectation(content: Path) -> None:
    """`at = "+2x"` is reported at steps[id=...].at with the accepted format."""
    edit(content / "protocols/face.toml", 'at = "+0m"', 'at = "+2x"')
    [problem] = problems(content)
    assert problem.startswith(f"{content / 'protocols/face.toml'}: steps[id=no-exercise].at: ")
    assert "+24h" in problem and "'+2x'" in problem


def test_duplicate_step_id_is_reported(content: Path) -> None:
    """Two steps with the same id: the second is named by its position."""
    edit(content / "protocols/face.toml", 'id = "sun"', 'id = "no-exercise"')
    [problem] = problems(content)
    assert "steps[3].id: duplicate step id 'no-exercise'" in problem


def test_missing_language_text_is_reported(content: Path) -> None:
    """A text table lacking a declared language fails (Hindi completeness, acceptance 6)."""
    edit(content / "faq.toml", 'answer.hi = "24 घंटे के बाद। प्रश्न: {contact}"\n', "")
    [problem] = problems(content)
    assert "faq.toml: faq[id=makeup].answer.hi: missing text for language 'hi'" in problem


def test_declared_languages_come_from_the_caller(content: Path) -> None:
    """Declaring a third language makes every per-language text without it a problem."""
    found = [str(p) for p in validate_content(content, ["en", "hi", "ta"], "en")]
    assert any("name.ta: missing text" in problem for problem in found)
    assert not any(".text.ta" in p and "steps[id=sun]" in p for p in found)  # one string: all


def test_toml_syntax_error_gives_line_and_column(content: Path) -> None:
    """A TOML syntax error is reported with its line and column, not a traceback."""
    edit(content / "red_flags.toml", "[[red_flag]]", "[[red_flag]\nbroken")
    [problem] = problems(content)
    assert "red_flags.toml: line 4, column" in problem and "not valid TOML" in problem


def test_every_problem_is_reported_not_only_the_first(content: Path) -> None:
    """Several mistakes in several files all show up in one validation."""
    edit(content / "protocols/face.toml", 'expires = "6h"', 'expires = "-6h"')
    edit(content / "protocols/face.toml", 'kind = "checkin"', 'kind = "question"')
    edit(content / "protocols/face.toml", "quiet_hours = false", 'quiet_hours = "no"')
    edit(content / "faq.toml", 'id = "makeup"', 'id = "make up"')
    found = "\n".join(problems(content))
    assert "steps[id=no-exercise].expires: expected a positive duration" in found
    assert 'steps[id=checkin-day2].kind: expected "reminder" or "checkin"' in found
    assert "steps[id=no-exercise].quiet_hours: expected true or false" in found
    assert "faq[1].id: expected up to 40 letters" in found


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('time = "09:00"', 'time = "9am"', 'steps[id=sun].time: expected "HH:MM"'),
        ('time = "09:00"', 'time = "09:00"\nat = "+1h"', "steps[id=sun]: use either at"),
        ('every = "1d"', 'every = "12h"', "repeat.every: a day step repeats in whole"),
        ("count = 3", "count = 0", "steps[id=sun].repeat.count: expected a whole number >= 1"),
        ("day = 1", "day = true", "steps[id=sun].day: expected a whole number of days"),
        ('expires = "10h"', 'expirs = "10h"', "steps[id=sun].expirs: unknown key 'expirs'"),
        ("{clinic}", "{name}", "text.en: unknown placeholder {name}"),
        ('  { id = "fine", text.en = "All good", text.hi = "सब ठीक" },\n', "", "a check-in needs"),
        ('text = "Avoid direct sun today."', 'text = ""', "sun].text: expected a non-empty"),
        ('id = "worried"', 'id = "fine"', "options[2].id: duplicate option id 'fine'"),
    ],
)
def test_step_mistakes_are_reported_where_they_are(
    content: Path, old: str, new: str, expected: str
) -> None:
    """Each step rule produces one problem naming the step, the key and what is expected."""
    edit(content / "protocols/face.toml", old, new)
    found = problems(content)
    assert any(expected in problem for problem in found), found


def test_reminder_with_options_is_rejected(content: Path) -> None:
    """Only check-ins may carry answer options."""
    edit(content / "protocols/face.toml", 'kind = "checkin"\n', "")
    assert any("options are only for kind" in problem for problem in problems(content))


def test_duplicate_protocol_ids_across_files(content: Path) -> None:
    """Two protocol files with the same id are an error naming both files."""
    shutil.copy(content / "protocols/face.toml", content / "protocols/face-copy.toml")
    [problem] = problems(content)
    assert "face.toml: id: duplicate protocol id 'face'" in problem
    assert "face-copy.toml" in problem


def test_missing_folder_and_missing_protocols_are_errors(tmp_path: Path) -> None:
    """No folder, or a folder without protocols and files, cannot pass."""
    assert problems(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: content folder not found"]
    found = problems(tmp_path)
    assert any("no protocols" in problem for problem in found)
    assert any("faq.toml: file not found" in problem for problem in found)


def test_load_content_raises_with_every_problem(content: Path) -> None:
    """load_content raises ContentError carrying the same problem list."""
    edit(content / "protocols/face.toml", 'at = "+0m"', 'at = "+2x"')
    edit(content / "faq.toml", "keywords.hi", "keywords.xx")
    with pytest.raises(ContentError) as caught:
        load_content(content, LANGUAGES, "en")
    locations = [problem.location for problem in caught.value.problems]
    assert "steps[id=no-exercise].at" in locations
    assert "faq[id=makeup].keywords.hi" in locations
