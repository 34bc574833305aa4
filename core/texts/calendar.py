"""Day names as patients read them (/plan's dates, when the first messages come, the
clinic's opening hours), in each language the bot's texts exist in."""

from __future__ import annotations

from collections.abc import Mapping

# Monday first, as datetime.weekday() counts.
WEEKDAYS: Mapping[str, tuple[str, ...]] = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "hi": ("सोमवार", "मंगलवार", "बुधवार", "गुरुवार", "शुक्रवार", "शनिवार", "रविवार"),
}
WEEKDAYS_SHORT: Mapping[str, tuple[str, ...]] = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "hi": ("सोम", "मंगल", "बुध", "गुरु", "शुक्र", "शनि", "रवि"),
}
FALLBACK = "en"


def weekday(index: int, language: str, *, short: bool = False) -> str:
    """The name of weekday `index` (0 = Monday) in `language` (English when missing)."""
    names = WEEKDAYS_SHORT if short else WEEKDAYS
    return (names.get(language) or names[FALLBACK])[index]


def weekdays(language: str) -> tuple[str, ...] | None:
    """The full names, Monday first, or None when `language` has none here."""
    return WEEKDAYS.get(language)
