"""The patient texts' catalogs: one per language (texts/<language>.toml, read and checked by
storage/text_catalogs.py), each with its language profile, installed once at start-up."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

FALLBACK = "en"

# A text is one template, or its plural forms keyed by CLDR category ("one", "other", ...);
# the form is chosen by the `count` value.
Text = str | Mapping[str, str]

# The date patterns a profile gives, and the fields they may use.
DATE_PATTERNS = ("plan_date", "plan_date_other_year", "day_date", "day_date_other_year",
                 "session_date", "session_date_other_year")
DATE_FIELDS = frozenset({"weekday", "weekday_short", "day", "dd", "mm", "month", "year", "time"})

_TAG = re.compile(r"</?([a-zA-Z][\w-]*)[^>]*>")


@dataclass(frozen=True, kw_only=True)
class LanguageProfile:
    """What the bot knows of a language besides its texts: its name in itself, the scripts
    its patients write it in (the first its own), day and month names, date patterns."""

    code: str
    name: str
    scripts: tuple[str, ...]
    weekdays: tuple[str, ...]  # Monday first, as datetime.weekday() counts
    weekdays_short: tuple[str, ...]
    months: tuple[str, ...]
    dates: Mapping[str, str]  # DATE_PATTERNS -> str.format pattern over DATE_FIELDS
    digits: str = "0123456789"  # how it writes 0-9 in dates and counts ("०१२३४५६७८९")

    def numerals(self, text: str) -> str:
        """`text` with its ASCII digits written in this language's digits."""
        return text.translate(str.maketrans("0123456789", self.digits))


@dataclass(frozen=True, kw_only=True)
class Catalog:
    """One language's patient texts by id, its profile and its plural rule."""

    profile: LanguageProfile
    texts: Mapping[str, Text]
    plural: Callable[[int | float], str]  # the CLDR category of a count (Babel's rule)
    plural_categories: frozenset[str]


class CatalogsNotInstalled(RuntimeError):
    """A text was looked up before the catalogs were installed."""


# The catalogs are installed once (app start-up, `check`, the test session) so that `t()`
# keeps its call shape everywhere; core never reads the files itself.
_INSTALLED: dict[str, Catalog] = {}


def install(catalogs: Mapping[str, Catalog]) -> None:
    """Make `catalogs` the ones every lookup uses (English must be among them)."""
    if FALLBACK not in catalogs:
        raise ValueError(f"the {FALLBACK!r} catalog is the fallback and must be installed")
    _INSTALLED.clear()
    _INSTALLED.update(catalogs)


def is_installed() -> bool:
    return bool(_INSTALLED)


def installed() -> Mapping[str, Catalog]:
    if not _INSTALLED:
        raise CatalogsNotInstalled(
            "patient texts are not installed: storage.text_catalogs.install_shipped() "
            "(the app does this at start-up)")
    return _INSTALLED


def catalog(language: str) -> Catalog:
    """The catalog of `language`, English when there is none."""
    catalogs = installed()
    return catalogs.get(language) or catalogs[FALLBACK]


def profile(language: str) -> LanguageProfile:
    return catalog(language).profile


def scripts(languages: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The scripts of each of `languages` that has a catalog, its own first."""
    catalogs = installed()
    return {code: catalogs[code].profile.scripts for code in languages if code in catalogs}


def placeholders(template: str) -> frozenset[str]:
    """The {names} a template uses."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def tags(template: str) -> list[str]:
    """The HTML tags of a template, in order ("b", "/b", ...)."""
    return [("/" if match.group(0).startswith("</") else "") + match.group(1).lower()
            for match in _TAG.finditer(template)]
