"""`run_bot.py check` on content (issue 11): the shipped content passes --strict; a
clinic's English-only content passes with warnings that name the setting, and --strict
fails on them; double punctuation once the clinic's values are filled in is caught; a broken
patient texts' catalog is named by file and key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import cli
from storage.text_catalogs import SHIPPED, install_shipped, read_catalogs
from tests.integration.test_cli import ROOT, run_cli
from tests.unit.test_content_loader import english_only
from tests.unit.test_text_catalogs import catalogs_with


def test_shipped_content_passes_check_strict(tmp_path: Path) -> None:
    """The shipped content, with default clinic values: no warning, --strict exits 0."""
    result = run_cli(tmp_path, "check", "--strict", content=ROOT / "content")
    assert result.code == 0, result.out + result.err
    assert result.out.startswith("OK: ") and "warning" not in result.out


def test_shipped_settings_and_content_pass_check_strict() -> None:
    """The repository as shipped (settings.toml, content/): `check --strict` exits 0."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"TELEGRAM_BOT_TOKEN", "CONTENT_DIR", "DATABASE_URL"}}
    env["AFTERCARE_SETTINGS"] = str(ROOT / "settings.toml")
    completed = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "run_bot.py"), "check", "--strict"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "warning" not in completed.stdout


def test_english_only_content_warns_and_strict_fails(tmp_path: Path) -> None:
    """English-only content with the shipped languages (en, hi): each file's missing Hindi
    is one warning naming clinic.languages in settings.toml; exit 0; --strict exits 1."""
    folder = english_only(ROOT / "content", tmp_path / "content")
    result = run_cli(tmp_path, "check", content=folder)
    assert result.code == 0, result.out + result.err
    warnings = [line for line in result.out.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 4
    assert all("clinic.languages in settings.toml" in line for line in warnings)
    assert result.out.splitlines()[-1].startswith("OK: ")
    strict = run_cli(tmp_path, "check", "--strict", content=folder)
    assert strict.code == 1 and "--strict" in strict.err


def test_double_punctuation_with_the_clinics_contact_is_a_warning(tmp_path: Path) -> None:
    """A contact ending in a full stop after "{contact}." gives ".." ("reply here.."):
    check names the text and the setting."""
    folder = english_only(ROOT / "content", tmp_path / "content")
    faq = folder / "faq.toml"
    faq.write_text(faq.read_text(encoding="utf-8").replace(
        "please ask: {contact}", "please ask: {contact}. Thanks", 1), encoding="utf-8")
    extra = '[clinic]\nlanguages = ["en"]\ncontact = "Call 1 or reply here."\n'
    result = run_cli(tmp_path, "check", content=folder, extra=extra)
    assert result.code == 0
    [line] = [line for line in result.out.splitlines() if line.startswith("warning: ")]
    assert "double punctuation '..'" in line and "clinic.contact" in line
    assert run_cli(tmp_path, "check", "--strict", content=folder, extra=extra).code == 1


def test_a_broken_catalog_is_named_by_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Hindi catalog lacking a text and with a misspelt placeholder: `check` prints each
    with file and `section.key`, the missing text as a warning, and exits 1 (no crash)."""
    hindi = (SHIPPED / "hi.toml").read_text(encoding="utf-8")
    hindi = hindi.replace('first_none = "अभी कोई संदेश तय नहीं है।"\n', "").replace(
        "<b>{clinic} का उत्तर:</b>", "<b>{clinik} का उत्तर:</b>")
    folder = catalogs_with(tmp_path, hi=hindi)
    settings = tmp_path / "settings.toml"
    settings.write_text(f'[content]\ndir = "{(ROOT / "content").as_posix()}"\n',
                        encoding="utf-8")
    monkeypatch.setenv("AFTERCARE_SETTINGS", str(settings))
    for name in ("TELEGRAM_BOT_TOKEN", "CONTENT_DIR", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(cli, "read_catalogs", lambda: read_catalogs(folder))
    try:
        code = cli.main(["check"])
    finally:
        install_shipped()
    shown = capsys.readouterr()
    assert code == 1
    lines = shown.out.splitlines()
    assert lines == [
        f"{folder / 'hi.toml'}: from_clinic.reply_from_clinic: placeholder(s) {{clinic}} "
        "missing (English has them; the value would be lost)",
        f"{folder / 'hi.toml'}: from_clinic.reply_from_clinic: placeholder(s) {{clinik}} "
        "unknown (English has no such value: they would crash the reply)",
        f"warning: {folder / 'hi.toml'}: join.first_none: missing: patients of this "
        "language read the English text",
    ]
    assert "2 problem(s) in the patient texts" in shown.err
