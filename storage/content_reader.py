"""Checking the values of one content file, collecting problems instead of stopping."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from core.content import PLACEHOLDERS, LocalizedText
from core.durations import DurationError, parse_duration

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
    """Validates the values of one file, recording problems instead of stopping."""

    def __init__(self, file: str, languages: Sequence[str], problems: list[ContentProblem]):
        self.file = file
        self.languages = languages
        self.problems = problems

    def problem(self, location: str, message: str) -> None:
        self.problems.append(ContentProblem(file=self.file, location=location, message=message))

    def parse(self, path: Path) -> dict[str, Any] | None:
        try:
            with path.open("rb") as handle:
                return tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            text = str(error)
            place = _TOML_PLACE.search(text)
            location = f"line {place.group(1)}, column {place.group(2)}" if place else ""
            self.problem(location, f"not valid TOML: {_TOML_PLACE.sub('', text)}")
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
        for language in self.languages:
            if language not in value:
                self.problem(f"{where}.{language}", f"missing text for language {language!r}")
                ok = False
        return LocalizedText.of(value) if ok else None

    def phrases(
        self, table: Mapping[str, Any], key: str, location: str
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
        for language in self.languages:
            if language not in value:
                self.problem(f"{where}.{language}", f"missing for language {language!r}")
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

    def boolean(self, table: Mapping[str, Any], key: str, location: str, default: bool) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            self.problem(join_location(location, key), f"expected true or false, got {value!r}")
            return default
        return value
