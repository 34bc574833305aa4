"""Jinja2 for the console: templates from console/templates, HTML always auto-escaped, and
the filters the pages share (clinic and patient local times, ages, plain text)."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from core.case_kinds import case_kind
from core.course import shown_occurrence

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
_TAG = re.compile(r"<[^>]+>")


def local(moment: datetime | None, zone: ZoneInfo, pattern: str = "%a %d %b %H:%M") -> str:
    """An instant as a wall-clock reading in `zone` ("" for none)."""
    if moment is None:
        return ""
    return moment.astimezone(zone).strftime(pattern)


def age(delta: timedelta) -> str:
    """A duration for staff: "4 min", "2 h 5 min", "3 d 4 h"."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def plain(text: str | None, limit: int = 0) -> str:
    """Stored safe-HTML message text as plain text (the template escapes it again)."""
    value = html.unescape(_TAG.sub("", text or "")).strip()
    if limit and len(value) > limit:
        return value[: limit - 1].rstrip() + "…"
    return value


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every value is escaped unless a template marks it safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = local
    env.filters["age"] = age
    env.filters["plain"] = plain
    env.filters["occurrence"] = lambda message: shown_occurrence(message.step_id,
                                                                 message.occurrence)
    env.filters["case_badge"] = lambda kind: case_kind(kind).badge
    env.filters["case_tone"] = lambda kind: case_kind(kind).tone
    return env


def render(env: jinja2.Environment, name: str, values: dict[str, Any]) -> str:
    return env.get_template(name).render(**values)
