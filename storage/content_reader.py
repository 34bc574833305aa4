"""Checking the values of one content file, collecting problems instead of stopping."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from core.content import (
    ANY_LANGUAGE,
    PLACEHOLDERS,
    Content,
    FaqEntry,
    FaqGroup,
    LocalizedText,
    content_texts,
    typography_problems,
)
from core.durations import DurationError, parse_duration
from core.plans import render_text

# Ids travel in Telegram callback data (64 bytes in all), so they stay short and plain.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_BRACES = re.compile(r"\{([^{}]*)\}")
_TOML_PLACE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


@dataclass(frozen=True, kw_only=True)
class ContentProblem:
    """One thing wrong with the content: where it is and what is expected instead."""

    file: str
    location: str
    message: str

    def __str__(self) -> str:
        if self.location:
            return f"{self.file}: {self.location}: {self.message}"
        return f"{self.file}: {self.message}"


class ContentError(Exception):
    """Content that cannot be used; `problems` lists every problem found."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def join_location(location: str, key: str) -> str:
    return f"{location}.{key}" if location else key


class FileReader:
    """Validates the values of one file, recording problems instead of stopping.

    A text lacking one of the declared languages is a warning (patients of that language
    read the default language's text), unless it lacks the default language itself:
    then there is nothing to fall back to, which is a problem.
    """

    def __init__(
        self,
        file: str,
        languages: Sequence[str],
        problems: list[ContentProblem],
        *,
        default_language: str | None = None,
        warnings: list[ContentProblem] | None = None,
    ):
        self.file = file
        self.languages = languages
        self.problems = problems
        self.default_language = default_language
        self.warnings = warnings if warnings is not None else problems

    def problem(self, location: str, message: str) -> None:
        self.problems.append(ContentProblem(file=self.file, location=location, message=message))

    def warning(self, location: str, message: str) -> None:
        self.warnings.append(ContentProblem(file=self.file, location=location, message=message))

    def untranslated(self, location: str, language: str) -> None:
        """`location` has no text in `language`: patients of it read the default language."""
        self.warning(location, f"missing text for language {language!r}")

    def parse(self, path: Path) -> dict[str, Any] | None:
        try:
            with path.open("rb") as handle:
                return tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            text = str(error)
            place = _TOML_PLACE.search(text)
            location = f"line {place.group(1)}, column {place.group(2)}" if place else ""
            self.problem(location, f"not valid TOML: {_TOML_PLACE.sub('', text)}")
        except RecursionError:
            self.problem("", "not valid TOML: nested too deeply")
        except OSError as error:
            self.problem("", f"cannot read the file: {error.strerror}")
        except UnicodeDecodeError:
            self.problem("", "not valid UTF-8 text")
        return None

    def unknown_keys(self, table: Mapping[str, Any], allowed: set[str], location: str) -> None:
        for key in table:
            if key not in allowed:
                self.problem(
                    join_location(location, key),
                    f"unknown key {key!r}; expected one of {', '.join(sorted(allowed))}",
                )

    def table(self, value: Any, location: str) -> Mapping[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.problem(location, f"expected a table, got {type(value).__name__}")
        return None

    def tables(self, value: Any, location: str, what: str) -> list[Mapping[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.problem(location, f"expected an array of tables ([[{what}]])")
            return []
        return value

    def ident(self, table: Mapping[str, Any], location: str) -> str | None:
        value = table.get("id")
        if value is None:
            self.problem(join_location(location, "id"), "missing; every entry needs an id")
        elif not isinstance(value, str) or not ID_PATTERN.match(value):
            self.problem(
                join_location(location, "id"),
                f"expected up to 40 letters, digits, '-', '_' or '.', got {value!r}",
            )
        else:
            return value
        return None

    def check_placeholders(self, text: str, location: str) -> None:
        for name in _BRACES.findall(text):
            if name not in PLACEHOLDERS:
                allowed = " and ".join("{" + name + "}" for name in PLACEHOLDERS)
                self.problem(
                    location, f"unknown placeholder {{{name}}}; only {allowed} are allowed"
                )

    def check_typography(self, text: str, location: str) -> None:
        for found in typography_problems(text):
            self.warning(location, f"{found}; write it once")

    def text(self, table: Mapping[str, Any], key: str, location: str) -> LocalizedText | None:
        """A text field: one string for every language, or a table language -> text."""
        where = join_location(location, key)
        value = table.get(key)
        if value is None:
            self.problem(where, "missing; expected a text (a string, or a table per language)")
            return None
        if isinstance(value, str):
            if not value.strip():
                self.problem(where, "expected a non-empty text")
                return None
            self.check_placeholders(value, where)
            self.check_typography(value, where)
            return LocalizedText.of(value)
        if not isinstance(value, dict):
            self.problem(where, f"expected a string or a table per language, got {value!r}")
            return None
        ok = True
        for language, text in value.items():
            if not isinstance(text, str) or not text.strip():
                self.problem(f"{where}.{language}", "expected a non-empty string")
                ok = False
            else:
                self.check_placeholders(text, f"{where}.{language}")
                self.check_typography(text, f"{where}.{language}")
        for language in self.languages:
            if language in value:
                continue
            if language == self.default_language:
                self.problem(
                    f"{where}.{language}",
                    f"missing text for language {language!r}, the clinic.default_language "
                    "(settings.toml) that other languages fall back to",
                )
                ok = False
            else:
                self.untranslated(f"{where}.{language}", language)
        return LocalizedText.of(value) if ok else None

    def phrases(
        self, table: Mapping[str, Any], key: str, location: str, *, complete: bool = True
    ) -> dict[str, tuple[str, ...]]:
        """Words per language: a table language -> non-empty list of non-empty strings."""
        where = join_location(location, key)
        value = table.get(key)
        if not isinstance(value, dict):
            self.problem(where, f'expected a list per language, like {key}.en = ["..."]')
            return {}
        result: dict[str, tuple[str, ...]] = {}
        for language, words in value.items():
            good = (
                isinstance(words, list)
                and bool(words)
                and all(isinstance(word, str) and word.strip() for word in words)
            )
            if not good:
                self.problem(
                    f"{where}.{language}", "expected a non-empty list of non-empty strings"
                )
            else:
                result[language] = tuple(words)
        for language in self.languages if complete else ():
            if language not in value:
                # Matching searches every language, so the entry still works: a warning.
                self.warning(f"{where}.{language}", f"missing for language {language!r}")
        return result

    def duration(self, value: Any, where: str, *, positive: bool) -> timedelta | None:
        try:
            result = parse_duration(value)
        except DurationError as error:
            self.problem(where, str(error))
            return None
        if positive and result <= timedelta(0):
            self.problem(where, f'expected a positive duration like "24h", got {value!r}')
            return None
        return result

    def positive_int(self, table: Mapping[str, Any], key: str, location: str, default: int) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.problem(
                join_location(location, key), f"expected a whole number >= 1, got {value!r}"
            )
            return default
        return value

    def words(self, table: Mapping[str, Any], key: str, location: str) -> tuple[str, ...]:
        """An optional list of non-empty strings (e.g. protocol ids)."""
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.problem(join_location(location, key), 'expected a list of strings, like ["a"]')
            return ()
        return tuple(value)

    def boolean(self, table: Mapping[str, Any], key: str, location: str, default: bool) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            self.problem(join_location(location, key), f"expected true or false, got {value!r}")
            return default
        return value


# --- warnings: summarised for people, and typography with the clinic's own values ------

_MISSING = re.compile(r"^missing (?:text )?for language '([^']+)'$")
MAX_PLACES = 4


def summarise(warnings: Sequence[ContentProblem], default_language: str) -> list[str]:
    """One line per file and missing language (with the setting to change), then the rest.

    An English-only content folder under the shipped settings (languages en and hi) gives
    one line per file, not one per text.
    """
    missing: dict[tuple[str, str], list[str]] = {}
    lines: list[str] = []
    for warning in warnings:
        found = _MISSING.match(warning.message)
        if found is None:
            lines.append(str(warning))
            continue
        place = warning.location.rsplit(".", 1)[0]
        missing.setdefault((warning.file, found.group(1)), []).append(place)
    summary = []
    for (file, language), places in missing.items():
        shown = ", ".join(places[:MAX_PLACES])
        more = f" and {len(places) - MAX_PLACES} more" if len(places) > MAX_PLACES else ""
        summary.append(
            f"{file}: {len(places)} text(s) or word list(s) have no {language!r} translation "
            f"({shown}{more}); "
            f"patients whose language is {language!r} read them in {default_language!r} "
            f"(clinic.default_language). Add the {language!r} texts, or remove {language!r} "
            "from clinic.languages in settings.toml"
        )
    return summary + lines


def rendered_typography(
    content: Content, placeholders: Callable[[str], Mapping[str, str]], default_language: str
) -> list[str]:
    """Typography problems that appear only once the clinic's values are filled in:
    `{contact}.` when clinic.contact ends with a full stop gives "..", `({contact})` with
    brackets in the contact nests them. One line per text and language."""
    found: list[str] = []
    for where, text in content_texts(content):
        for language in content.languages:
            if language not in text.values and ANY_LANGUAGE not in text.values:
                continue
            rendered = render_text(text, language=language, default_language=default_language,
                                   placeholders=placeholders(language))
            raw = text.get(language, default_language)
            new = [p for p in typography_problems(rendered) if p not in typography_problems(raw)]
            for problem in dict.fromkeys(new):
                found.append(
                    f"{where} ({language}): {problem} once clinic settings are filled in; "
                    "reword the text around the placeholder or change the setting "
                    "(clinic.contact, clinic.emergency, clinic.hours in settings.toml)"
                )
    return found


# --- ids, and the FAQ file ----------------------------------------------------------------

FAQ_KEYS = {"id", "keywords", "question", "answer", "group", "protocols", "listed"}
GROUP_KEYS = {"id", "name"}


def label_of(section: str, index: int, table: Mapping[str, Any], seen: set[str]) -> str:
    """`steps[id=sun]` when the id is usable and unique so far, else `steps[3]` (1-based)."""
    value = table.get("id")
    if isinstance(value, str) and ID_PATTERN.match(value) and value not in seen:
        return f"{section}[id={value}]"
    return f"{section}[{index + 1}]"


def unique_id(reader: FileReader, seen: set[str], ident: str | None, where: str, what: str) -> None:
    if ident is None:
        return
    if ident in seen:
        reader.problem(
            join_location(where, "id"), f"duplicate {what} id {ident!r}; ids must be unique"
        )
    seen.add(ident)


@dataclass(frozen=True, kw_only=True)
class FaqFile:
    entries: tuple[FaqEntry, ...]
    groups: tuple[FaqGroup, ...]


def faq_groups(reader: FileReader, data: Mapping[str, Any]) -> tuple[FaqGroup, ...]:
    groups: list[FaqGroup] = []
    seen: set[str] = set()
    for index, raw in enumerate(reader.tables(data.get("group", []), "group", "group")):
        where = label_of("group", index, raw, seen)
        reader.unknown_keys(raw, GROUP_KEYS, where)
        group_id = reader.ident(raw, where)
        unique_id(reader, seen, group_id, where, "group")
        name = reader.text(raw, "name", where)
        if group_id and name:
            groups.append(FaqGroup(id=group_id, name=name))
    return tuple(groups)


def read_faq(reader: FileReader, data: Mapping[str, Any]) -> FaqFile:
    reader.unknown_keys(data, {"faq", "group"}, "")
    groups = faq_groups(reader, data)
    group_ids = {group.id for group in groups}
    entries: list[FaqEntry] = []
    seen: set[str] = set()
    for index, raw in enumerate(reader.tables(data.get("faq", []), "faq", "faq")):
        where = label_of("faq", index, raw, seen)
        reader.unknown_keys(raw, FAQ_KEYS, where)
        entry_id = reader.ident(raw, where)
        unique_id(reader, seen, entry_id, where, "FAQ")
        keywords = reader.phrases(raw, "keywords", where)
        question = reader.text(raw, "question", where)
        answer = reader.text(raw, "answer", where)
        group = raw.get("group")
        if group is not None and group not in group_ids:
            known = ", ".join(sorted(group_ids)) or "none: add [[group]] tables"
            reader.problem(join_location(where, "group"),
                           f"unknown group {group!r}; groups in this file: {known}")
        listed = reader.boolean(raw, "listed", where, True)
        protocols = reader.words(raw, "protocols", where)
        if entry_id and keywords and question and answer:
            entries.append(FaqEntry(
                id=entry_id, keywords=keywords, question=question, answer=answer,
                group=group if isinstance(group, str) else None, protocols=protocols,
                listed=listed,
            ))
    return FaqFile(entries=tuple(entries), groups=groups)
