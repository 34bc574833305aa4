"""Every text a patient reads from the bot itself (content/ holds the clinical texts), looked
up by id in the installed catalogs (texts/<language>.toml; core/texts/catalog.py): HTML
templates with every value escaped, plural forms chosen by `count`. `check` reports what a
catalog lacks."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Mapping, Sequence

from core.texts.catalog import FALLBACK, Text, catalog, installed
from core.texts.commands import COMMAND_KEYS, PATIENT_COMMANDS, help_lines
from core.texts.commands import missing_translations as commands_missing


def _forms(key: str, language: str) -> tuple[Text, str]:
    """The text `key` in `language` (English when missing there), and the language it is in."""
    own = catalog(language)
    text = own.texts.get(key)
    if text is not None:
        return text, own.profile.code
    return catalog(FALLBACK).texts[key], FALLBACK


def _template(key: str, language: str, count: object = None) -> str:
    text, found_in = _forms(key, language)
    if isinstance(text, str):
        return text
    category = "other"
    if isinstance(count, int | float):
        category = catalog(found_in).plural(count)
    return text.get(category) or text["other"]


def _escaped(values: Mapping[str, object], language: str | None = None) -> dict[str, str]:
    """Every value HTML-escaped; numbers in the language's digits."""
    escaped = {name: html.escape(str(value)) for name, value in values.items()}
    if language is not None:
        names = catalog(language).profile
        for name, value in values.items():
            if isinstance(value, int) and not isinstance(value, bool):
                escaped[name] = names.numerals(escaped[name])
    return escaped


def t(key: str, language: str, /, **values: object) -> str:
    """The text `key` in `language` (English when missing) with every value HTML-escaped
    and numbers in its digits; a text with plural forms takes the form of `count`'s CLDR
    category in that language."""
    return _template(key, language, values.get("count")).format(**_escaped(values, language))


def button(key: str, language: str) -> str:
    """A button label or a plain-text piece (Telegram never parses button texts as HTML)."""
    return _template(key, language)


def help_text(language: str, /, **values: object) -> str:
    """/help for a patient: the "help" text around the command table's lines."""
    return _template("help", language).format(
        commands=help_lines(PATIENT_COMMANDS, language), **_escaped(values))


def consent_version(language: str) -> str:
    """The version of the consent question a patient saw in `language`: the SHA-256 of its
    wording (the template, every plural form of it, and the accepting button, before the
    clinic's values go in), so the consent record names exactly which text was agreed to."""
    language = ui_language(language)
    text, _ = _forms("invite_intro", language)
    forms = [text] if isinstance(text, str) else [text[category] for category in sorted(text)]
    wording = "\n".join((*forms, button("button_accept", language)))
    return hashlib.sha256(wording.encode()).hexdigest()


def language_name(code: str) -> str:
    """The name of a language in itself, for /language buttons (the code when unknown)."""
    known = installed().get(code)
    return known.profile.name if known is not None else code


def missing_translations(languages: Sequence[str]) -> list[str]:
    """One line per declared language the patient texts or command table do not cover."""
    catalogs = installed()
    english = catalogs[FALLBACK].texts
    problems = []
    for language in languages:
        own = catalogs.get(language)
        keys = [key for key in english if (own is None or key not in own.texts)
                and not key.startswith(COMMAND_KEYS)]
        if own is None:
            keys.insert(0, f"(the file texts/{language}.toml: language name, day names)")
        commands = commands_missing(PATIENT_COMMANDS, language)
        if keys or commands:
            shown = ", ".join(keys[:8]) + (f" and {len(keys) - 8} more" if len(keys) > 8 else "")
            parts = [f"{len(keys)} text(s): {shown}"] if keys else []
            if commands:
                parts.append("command menu/help: " + ", ".join(commands))
            problems.append(
                f"patient texts have no {language!r} translation ({'; '.join(parts)}); "
                "patients would read English"
            )
    return problems


def ui_language(language: str | None) -> str:
    """The language our own texts use for `language` (content may know more languages)."""
    return language if language is not None and language in installed() else FALLBACK
