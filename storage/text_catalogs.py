"""Reading and checking the patient texts' catalogs (texts/<language>.toml) into
core/texts/catalog.py's Catalog, with each language's CLDR plural rule from Babel.

Every problem is collected, each with its file, the text's `section.key` and what is
expected: English is the reference; another language must use the same {placeholders}
and HTML tags, only the plural categories its language has, and no key English lacks. A
key it lacks is a warning (patients of it read English); `check --strict` fails on it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError

from core.texts.catalog import (
    DATE_FIELDS,
    DATE_PATTERNS,
    FALLBACK,
    Catalog,
    LanguageProfile,
    Text,
    install,
    placeholders,
    tags,
)
from storage.content_reader import ContentError, ContentProblem, FileReader

SHIPPED = Path(__file__).resolve().parent.parent / "texts"
PROFILE = "language"  # the table holding the language profile; every other one is a section
_CODE = re.compile(r"^[a-z]{2,3}$")
_NAME_COUNTS = {"weekdays": 7, "weekdays_short": 7, "months": 12}


@dataclass(frozen=True, kw_only=True)
class CatalogReport:
    """What reading the catalogs found: the usable ones, problems, warnings."""

    catalogs: Mapping[str, Catalog]
    problems: tuple[ContentProblem, ...]
    warnings: tuple[ContentProblem, ...]


def read_catalogs(directory: Path = SHIPPED) -> CatalogReport:
    """Every texts/<language>.toml in `directory`, checked against the English one."""
    problems: list[ContentProblem] = []
    warnings: list[ContentProblem] = []
    paths = sorted(directory.glob("*.toml"))
    english_path = directory / f"{FALLBACK}.toml"
    if english_path not in paths:
        problems.append(ContentProblem(file=_shown(english_path), location="",
                                       message="missing: English is every text's fallback"))
        return CatalogReport(catalogs={}, problems=tuple(problems), warnings=())
    catalogs: dict[str, Catalog] = {}
    english = _read(english_path, None, problems, warnings)
    if english is None:
        return CatalogReport(catalogs={}, problems=tuple(problems), warnings=tuple(warnings))
    catalogs[FALLBACK] = english[0]
    for path in paths:
        if path != english_path:
            found = _read(path, english, problems, warnings)
            if found is not None:
                catalogs[found[0].profile.code] = found[0]
    return CatalogReport(catalogs=catalogs, problems=tuple(problems), warnings=tuple(warnings))


def install_shipped(directory: Path = SHIPPED) -> CatalogReport:
    """Read the catalogs and install them for every lookup; ContentError when any has a
    problem (nothing is installed then)."""
    report = read_catalogs(directory)
    if report.problems:
        raise ContentError(list(report.problems))
    install(report.catalogs)
    return report


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(SHIPPED.parent))
    except ValueError:
        return str(path)


# A catalog with where each of its keys is (`section.key`, for messages).
_Read = tuple[Catalog, dict[str, str]]


def _read(path: Path, english: _Read | None, problems: list[ContentProblem],
          warnings: list[ContentProblem]) -> _Read | None:
    code = path.stem
    reader = FileReader(_shown(path), [code], problems, warnings=warnings)
    if not _CODE.match(code):
        reader.problem("", "the file name must be a language code: texts/<code>.toml (mr.toml)")
        return None
    data = reader.parse(path)
    if data is None:
        return None
    try:
        rule = Locale.parse(code).plural_form
    except (UnknownLocaleError, ValueError):
        reader.problem("", f"{code!r} is no language code Babel (CLDR) knows")
        return None
    categories = frozenset(rule.tags) | {"other"}
    before = len(problems)
    profile = _profile(reader, code, data.get(PROFILE))
    texts, places = _texts(reader, data, categories)
    if english is not None:
        _compare(reader, texts, places, english)
    if profile is None or len(problems) > before:
        return None
    return (Catalog(profile=profile, texts=texts, plural=rule, plural_categories=categories),
            places)


def _profile(reader: FileReader, code: str, table: Any) -> LanguageProfile | None:
    if not isinstance(table, dict):
        reader.problem(f"[{PROFILE}]", "missing: the language's name, scripts, day and "
                       "month names and date patterns (copy en.toml's and translate)")
        return None
    ok = True

    def strings(key: str, count: int | None) -> tuple[str, ...]:
        nonlocal ok
        value = table.get(key)
        if (not isinstance(value, list) or not value
                or not all(isinstance(item, str) and item for item in value)
                or (count is not None and len(value) != count)):
            size = f"{count} " if count is not None else ""
            reader.problem(f"{PROFILE}.{key}", f"expected a list of {size}names")
            ok = False
            return ()
        return tuple(value)

    name = table.get("name")
    if not isinstance(name, str) or not name:
        reader.problem(f"{PROFILE}.name", "expected the language's name in itself")
        ok = False
    scripts = strings("scripts", None)
    names = {key: strings(key, count) for key, count in _NAME_COUNTS.items()}
    dates = {}
    for pattern in DATE_PATTERNS:
        value = table.get(pattern)
        location = f"{PROFILE}.{pattern}"
        if not isinstance(value, str):
            reader.problem(location, "expected a date pattern such as en.toml's")
            ok = False
            continue
        unknown = _fields(reader, location, value) - DATE_FIELDS
        if unknown:
            reader.problem(location, f"unknown field(s) {_braced(unknown)}; known: "
                           f"{_braced(DATE_FIELDS)}")
            ok = False
        dates[pattern] = value
    digits = table.get("digits", "0123456789")
    if not isinstance(digits, str) or len(digits) != 10:
        reader.problem(f"{PROFILE}.digits", "expected its ten digits, 0 to 9 (\"०१२३४५६७८९\")")
        ok = False
    if not ok or not isinstance(name, str) or not isinstance(digits, str):
        return None
    return LanguageProfile(code=code, name=name, scripts=scripts, dates=dates, digits=digits,
                           **names)


def _texts(reader: FileReader, data: dict[str, Any], categories: frozenset[str]
           ) -> tuple[dict[str, Text], dict[str, str]]:
    texts: dict[str, Text] = {}
    places: dict[str, str] = {}
    for section, table in data.items():
        if section == PROFILE:
            continue
        if not isinstance(table, dict):
            reader.problem(section, "a text must be inside a [section]")
            continue
        for key, value in table.items():
            location = f"{section}.{key}"
            if key in texts:
                reader.problem(location, f"this key is already in [{places[key]}]")
                continue
            places[key] = section
            if isinstance(value, str):
                _fields(reader, location, value)
                texts[key] = value
            elif isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
                forms = {str(k): str(v) for k, v in value.items()}
                _plural(reader, location, forms, categories)
                for form, template in forms.items():
                    _fields(reader, f"{location}.{form}", template)
                texts[key] = forms
            else:
                reader.problem(location, "expected a text, or its plural forms "
                               "{ one = \"…\", other = \"…\" }")
    return texts, places


def _plural(reader: FileReader, location: str, forms: Mapping[str, str],
            categories: frozenset[str]) -> None:
    wrong, lacking = set(forms) - categories, categories - set(forms)
    if wrong or lacking:
        said = []
        if wrong:
            said.append(f"{', '.join(sorted(wrong))} not used in this language")
        if lacking:
            said.append(f"{', '.join(sorted(lacking))} missing")
        reader.problem(location, f"plural forms: {'; '.join(said)} (CLDR, by Babel: this "
                       f"language has {', '.join(sorted(categories))})")


def _compare(reader: FileReader, texts: Mapping[str, Text], places: Mapping[str, str],
             reference: _Read) -> None:
    english, english_places = reference[0].texts, reference[1]
    for key, text in texts.items():
        location = f"{places[key]}.{key}"
        if key not in english:
            reader.problem(location, "English (texts/en.toml) has no such text; a typo?")
            continue
        ours, theirs = _all(text), _all(english[key])
        missing = _names(theirs) - _names(ours)
        extra = _names(ours) - _names(theirs)
        if missing:
            reader.problem(location, f"placeholder(s) {_braced(missing)} missing (English "
                           "has them; the value would be lost)")
        if extra:
            reader.problem(location, f"placeholder(s) {_braced(extra)} unknown (English "
                           "has no such value: they would crash the reply)")
        expected = Counter(tags(_other(english[key])))
        if any(Counter(tags(template)) != expected for template in ours):
            reader.problem(location, "HTML tags differ from English's "
                           f"({' '.join(tags(_other(english[key]))) or 'none'}); keep each "
                           "tag pair as it is")
    for key in english:
        if key not in texts:
            reader.warning(f"{english_places[key]}.{key}", "missing: patients of this "
                           "language read the English text")


def _all(text: Text) -> list[str]:
    return [text] if isinstance(text, str) else list(text.values())


def _names(templates: list[str]) -> frozenset[str]:
    found: set[str] = set()
    for template in templates:
        with suppress(ValueError):  # reported by _fields
            found |= placeholders(template)
    return frozenset(found)


def _other(text: Text) -> str:
    return text if isinstance(text, str) else text.get("other", "")


def _fields(reader: FileReader, location: str, template: str) -> frozenset[str]:
    try:
        return placeholders(template)
    except ValueError as error:
        reader.problem(location, f"broken {{placeholder}}: {error} (a literal brace is "
                       "written {{ or }})")
        return frozenset()


def _braced(names: frozenset[str] | set[str]) -> str:
    return ", ".join(f"{{{name}}}" for name in sorted(names))
