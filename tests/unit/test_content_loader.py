"""Tests for the content loader: good content loads, and every kind of mistake is reported."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from core.content import DayTiming, OffsetTiming
from storage.content_loader import (
    ContentError,
    check_content,
    load_content,
    rendered_typography,
    validate_content,
)

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


def test_missing_language_text_is_a_warning(content: Path) -> None:
    """A text lacking a declared language is a warning, not a problem (issue 11): it falls
    back to the default language, and the warning names the setting to change."""
    edit(content / "faq.toml", 'answer.hi = "24 घंटे के बाद। प्रश्न: {contact}"\n', "")
    assert problems(content) == []
    report = check_content(content, LANGUAGES, "en")
    [warning] = [str(w) for w in report.warnings]
    assert "faq.toml: faq[id=makeup].answer.hi: missing text for language 'hi'" in warning
    assert report.content is not None
    [line] = report.content.warnings
    assert "clinic.languages in settings.toml" in line and "clinic.default_language" in line
    assert report.content.faq[0].answer.get("hi") == "After 24 hours. Questions: {contact}"


def test_missing_default_language_text_is_a_problem(content: Path) -> None:
    """Without the default language's text there is nothing to fall back to: a problem."""
    edit(content / "faq.toml", 'answer.en = "After 24 hours. Questions: {contact}"\n', "")
    [problem] = problems(content)
    assert "faq[id=makeup].answer.en: missing text for language 'en'" in problem
    assert "clinic.default_language" in problem


def test_declared_languages_come_from_the_caller(content: Path) -> None:
    """Declaring a third language warns about every per-language text without it."""
    report = check_content(content, ["en", "hi", "ta"], "en")
    found = [str(w) for w in report.warnings]
    assert report.problems == []
    assert any("name.ta: missing text" in warning for warning in found)
    assert not any(".text.ta" in w and "steps[id=sun]" in w for w in found)  # one string: all


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
    assert "steps[id=checkin-day2].kind: expected one of 'reminder', 'checkin'" in found
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
    """load_content raises ContentError carrying the same problem list (warnings, such as
    keywords missing a language, are not among them)."""
    edit(content / "protocols/face.toml", 'at = "+0m"', 'at = "+2x"')
    edit(content / "faq.toml", 'id = "makeup"', 'id = "make up"')
    edit(content / "faq.toml", "keywords.hi", "keywords.xx")
    with pytest.raises(ContentError) as caught:
        load_content(content, LANGUAGES, "en")
    locations = [problem.location for problem in caught.value.problems]
    assert "steps[id=no-exercise].at" in locations
    assert "faq[1].id" in locations
    assert not any(location.endswith("keywords.hi") for location in locations)


SHIPPED = Path(__file__).resolve().parents[2] / "content"


def english_only(source: Path, target: Path) -> Path:
    """A copy of a content folder with every Hindi text and word list taken out."""
    shutil.copytree(source, target)
    for path in target.rglob("*.toml"):
        kept: list[str] = []
        closer = ""
        for line in path.read_text(encoding="utf-8").splitlines():
            if closer:
                closer = "" if closer in line else closer
                continue
            if re.match(r"^\s*[\w.]+\.hi\s*=", line):
                value = line.split("=", 1)[1]
                if value.count('"""') == 1:
                    closer = '"""'
                elif "[" in value and "]" not in value:
                    closer = "]"
                continue
            kept.append(line)
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return target


def test_english_only_content_loads_with_one_warning_per_file(tmp_path: Path) -> None:
    """Issue 11: a clinic's English-only content under the shipped settings (en, hi)
    loads; each file gets one warning naming clinic.languages; Hindi falls back to English."""
    folder = english_only(SHIPPED, tmp_path / "content")
    assert "हिन्दी" not in (folder / "faq.toml").read_text(encoding="utf-8")
    content = load_content(folder, LANGUAGES, "en")
    assert len(content.warnings) == 4
    assert all("clinic.languages in settings.toml" in w for w in content.warnings)
    face = content.protocols["micro-mesotherapy-face"]
    assert face.name.get("hi", "en") == "Micro mesotherapy (face)"


def test_shipped_content_has_no_warnings() -> None:
    """The shipped content is complete in English and Hindi and typographically clean."""
    assert load_content(SHIPPED, LANGUAGES, "en").warnings == ()


def test_double_punctuation_and_nested_brackets_are_warnings(content: Path) -> None:
    """A check rule for typography: ".." and brackets in brackets, with file and place."""
    edit(content / "faq.toml", "After 24 hours. Questions",
         "After 24 hours.. Questions (see (this))")
    report = check_content(content, LANGUAGES, "en")
    found = "\n".join(str(w) for w in report.warnings)
    assert "faq[id=makeup].answer.en: double punctuation '..'" in found
    assert "brackets inside brackets" in found


def test_typography_with_the_clinics_values_filled_in(content: Path) -> None:
    """ "{contact}." is fine until the clinic's contact ends with a full stop: then "..";
    "({contact})" nests the contact's own brackets."""
    edit(content / "faq.toml", "Questions: {contact}", "Questions: {contact}. Or ({contact})")
    loaded = load_content(content, LANGUAGES, "en")
    clean = rendered_typography(loaded, lambda _language: {"contact": "Call 1"}, "en")
    assert clean == []
    values = {"contact": "Call 1 (9-5) or reply here.", "clinic": "C"}
    found = rendered_typography(loaded, lambda _language: values, "en")
    assert any("answer (en): double punctuation '..'" in line for line in found)
    assert any("brackets inside brackets" in line and "clinic.contact" in line for line in found)


def test_faq_groups_scopes_and_unlisted_entries(content: Path) -> None:
    """[[group]] headings, `group`, `protocols` (known ones only) and `listed` load; an
    unknown group or protocol is a problem with what exists."""
    path = content / "faq.toml"
    path.write_text(
        '[[group]]\nid = "after"\nname.en = "After"\nname.hi = "बाद"\n\n'
        + path.read_text(encoding="utf-8").replace(
            'id = "makeup"\n', 'id = "makeup"\ngroup = "after"\nprotocols = ["face"]\n'
            "listed = false\n"),
        encoding="utf-8",
    )
    loaded = load_content(content, LANGUAGES, "en")
    [group] = loaded.faq_groups
    entry = loaded.faq[0]
    assert group.id == "after" and entry.group == "after" and entry.protocols == ("face",)
    assert not entry.listed and entry.applies_to(("face",)) and not entry.applies_to(("hair",))
    edit(path, 'group = "after"', 'group = "later"')
    edit(path, 'protocols = ["face"]', 'protocols = ["hair"]')
    found = "\n".join(problems(content))
    assert "faq[id=makeup].group: unknown group 'later'; groups in this file: after" in found
    assert "faq[id=makeup].protocols: unknown protocol 'hair'; known protocols: face" in found


def test_lasting_rule_settle_days_and_info_faq(content: Path) -> None:
    """red_flags.toml's [lasting] rule, info_faq and ignore words, and a protocol's
    settle_days load; info_faq must name a FAQ entry, settle_days be a whole number."""
    path = content / "red_flags.toml"
    path.write_text(
        'info_faq = "makeup"\nignore.en = ["discharged"]\n' + path.read_text(encoding="utf-8")
        + '\n[lasting]\nid = "lasting"\nsymptoms.en = ["swollen"]\nsymptoms.hi = ["सूजा"]\n'
        'still.en = ["still"]\nstill.hi = ["अब भी"]\nearly_reply.en = "Normal. {contact}"\n'
        'early_reply.hi = "सामान्य। {contact}"\n',
        encoding="utf-8",
    )
    edit(content / "protocols/face.toml", 'description = "Test protocol"',
         'description = "Test protocol"\nsettle_days = 4')
    loaded = load_content(content, LANGUAGES, "en")
    lasting = loaded.red_flags.lasting
    assert lasting is not None and lasting.symptoms["en"] == ("swollen",)
    assert loaded.red_flags.info_faq == "makeup"
    assert loaded.red_flags.ignore["en"] == ("discharged",)
    assert loaded.protocols["face"].settle_days == 4
    edit(path, 'info_faq = "makeup"', 'info_faq = "nothing"')
    edit(content / "protocols/face.toml", "settle_days = 4", "settle_days = 0")
    found = "\n".join(problems(content))
    assert "info_faq: no FAQ entry with id 'nothing'" in found
    assert "settle_days: expected a whole number >= 1" in found
