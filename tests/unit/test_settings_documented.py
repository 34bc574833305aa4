"""README says every key is documented in settings.toml: each key of each settings section
is there (set, or commented out with its default), and the shipped file loads."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from app.settings import Settings, load_settings

SETTINGS = Path(__file__).resolve().parents[2] / "settings.toml"


def _sections(text: str) -> dict[str, str]:
    """Each [section]'s text (subtables like [clinic.contact] count as their key)."""
    found: dict[str, str] = {}
    current = ""
    for line in text.splitlines():
        header = re.match(r"^\[([a-z_.]+)\]\s*$", line)
        if header:
            current = header.group(1)
            section, _, key = current.partition(".")
            if key:
                found[section] = found.get(section, "") + f"\n{key} ="
            continue
        found[current] = found.get(current, "") + "\n" + line
    return found


def test_every_settings_key_is_in_settings_toml() -> None:
    """[console], [escalation] and staff.on_call included: each key appears as `key =` or
    `# key =` (or `# key:` for a secret that only the environment sets)."""
    sections = _sections(SETTINGS.read_text(encoding="utf-8"))
    missing = []
    for name, field in Settings.model_fields.items():
        model = field.annotation
        if not hasattr(model, "model_fields"):
            continue  # bot_token: the environment's only
        text = sections.get(name, "")
        for key in model.model_fields:
            if not re.search(rf"^#?\s*{key}\s*[=:]", text, re.MULTILINE):
                missing.append(f"{name}.{key}")
    assert missing == []


def test_the_shipped_settings_load_as_they_are() -> None:
    """settings.toml is valid TOML and valid settings (its defaults are the code's)."""
    tomllib.loads(SETTINGS.read_text(encoding="utf-8"))
    settings = load_settings(SETTINGS, environ={})
    assert settings.console.url is None and settings.escalation.ack_minutes == 10
