"""Tests for run_bot.py as a user runs it: a subprocess with its own settings file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from app import cli

ROOT = Path(__file__).resolve().parents[2]
GOOD = ROOT / "tests" / "unit" / "fixtures" / "good"


@dataclass(frozen=True, kw_only=True)
class Result:
    code: int
    out: str
    err: str


def run_cli(
    tmp_path: Path, *args: str, content: Path = GOOD, token: str | None = None, extra: str = ""
) -> Result:
    """Run `python run_bot.py ARGS` with a temp settings file and no inherited secrets."""
    settings = tmp_path / "settings.toml"
    settings.write_text(
        f'[content]\ndir = "{content.as_posix()}"\n'
        f'[database]\nurl = "sqlite:///{(tmp_path / "bot.db").as_posix()}"\n{extra}',
        encoding="utf-8",
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TELEGRAM_BOT_TOKEN", "CONTENT_DIR", "DATABASE_URL"}
    }
    env["AFTERCARE_SETTINGS"] = str(settings)
    if token:
        env["TELEGRAM_BOT_TOKEN"] = token
    completed = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "run_bot.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    return Result(code=completed.returncode, out=completed.stdout, err=completed.stderr)


def broken(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """A copy of the good fixture content with one edit."""
    content = Path(shutil.copytree(GOOD, tmp_path / "content"))
    path = content / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return content


def test_run_without_token_explains_how_to_get_one(tmp_path: Path) -> None:
    """Acceptance 2: no token -> exit 2, names TELEGRAM_BOT_TOKEN and @BotFather, no traceback."""
    result = run_cli(tmp_path)
    assert result.code == 2
    assert "TELEGRAM_BOT_TOKEN" in result.err and "@BotFather" in result.err
    assert "/newbot" in result.err and "export TELEGRAM_BOT_TOKEN=" in result.err
    assert "Traceback" not in result.err + result.out


def test_check_passes_on_good_content(tmp_path: Path) -> None:
    """check on valid content prints the OK summary and exits 0, without token or database."""
    result = run_cli(tmp_path, "check")
    assert result.code == 0, result.err
    assert (
        result.out.strip() == "OK: 1 protocols, 1 FAQ entries, 1 red-flag rules, languages en, hi"
    )
    assert not (tmp_path / "bot.db").exists()


@pytest.mark.parametrize(
    ("file", "old", "new", "place"),
    [
        ("protocols/face.toml", 'at = "+0m"', 'at = "+2x"', "steps[id=no-exercise].at"),
        ("protocols/face.toml", 'id = "sun"', 'id = "no-exercise"', "steps[3].id"),
        # Issue 11: a missing Hindi text is now a warning (tests/integration/
        # test_content_check.py); a missing default-language (English) text stays an error.
        (
            "faq.toml",
            'question.en = "When can I wear makeup again?"\n',
            "",
            "faq[id=makeup].question.en",
        ),
        ("red_flags.toml", "[[red_flag]]", "[[red_flag]\n", "line 4, column"),
    ],
    ids=["bad-offset", "duplicate-step", "missing-english", "toml-syntax"],
)
def test_check_reports_bad_content_with_file_and_place(
    tmp_path: Path, file: str, old: str, new: str, place: str
) -> None:
    """Acceptance 3: each broken folder -> exit 1, the file and the place named, no traceback."""
    content = broken(tmp_path, file, old, new)
    result = run_cli(tmp_path, "check", content=content)
    assert result.code == 1
    assert f"{content / file}: {place}" in result.out
    assert "Traceback" not in result.out + result.err


def test_run_with_token_refuses_bad_content(tmp_path: Path) -> None:
    """A content problem refuses start-up with the problem list, before anything connects."""
    content = broken(tmp_path, "protocols/face.toml", 'at = "+0m"', 'at = "+2x"')
    result = run_cli(tmp_path, content=content, token="123:FAKE")
    assert result.code == 1
    assert "steps[id=no-exercise].at" in result.err and "Traceback" not in result.err


def test_preview_shows_local_times_quiet_shift_and_dst(tmp_path: Path) -> None:
    """preview lists local times with offsets, the 22:30 -> 08:00 move, and 09:00 across DST."""
    result = run_cli(
        tmp_path, "preview", "face", "--session", "2026-03-28 20:30", "--tz", "Europe/Berlin"
    )
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    sun = [line for line in lines if " sun #" in line]
    assert [line.split("  ")[0] for line in sun] == [
        "Sun 2026-03-29 09:00 UTC+02:00",
        "Mon 2026-03-30 09:00 UTC+02:00",
        "Tue 2026-03-31 09:00 UTC+02:00",
    ]
    assert any(
        line.startswith("Tue 2026-03-31 08:00 UTC+02:00  checkin-day2 #1/1") for line in lines
    )
    assert "moved from Mon 22:30 (quiet hours)" in result.out
    assert "pre-aspirin #1/1  reminder  expired" in result.out
    assert "No exercise for 24 hours, from Our clinic." in result.out


def test_preview_in_hindi(tmp_path: Path) -> None:
    """--lang hi prints the Hindi texts."""
    result = run_cli(tmp_path, "preview", "face", "--lang", "hi", "--tz", "Asia/Kolkata")
    assert result.code == 0, result.err
    assert "आज उपचारित क्षेत्र कैसा लग रहा है?" in result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["preview", "nope"], "unknown protocol 'nope'; known protocols: face"),
        (["preview", "face", "--session", "2026-02-30 10:00"], 'expected "YYYY-MM-DD HH:MM"'),
        (["preview", "face", "--tz", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        (["preview", "face", "--lang", "fr"], "unknown language 'fr'"),
    ],
)
def test_preview_bad_input_is_a_clear_usage_error(
    tmp_path: Path, args: list[str], message: str
) -> None:
    """Unknown protocol, bad date, bad zone or language -> exit 2 with a message, no traceback."""
    result = run_cli(tmp_path, *args)
    assert result.code == 2
    assert message in result.err and "Traceback" not in result.err


def test_settings_error_names_the_key(tmp_path: Path) -> None:
    """An invalid setting -> exit 2 with the key and what is expected, no traceback."""
    result = run_cli(tmp_path, "check", extra='[clinic]\ntimezone = "Nowhere/Town"\n')
    assert result.code == 2
    assert "clinic.timezone" in result.err and "Traceback" not in result.err


def test_missing_command_module_is_not_available_yet() -> None:
    """A command whose module does not exist yet fails with a message, not an ImportError."""
    with pytest.raises(cli.CommandError, match="not available yet") as caught:
        cli._dispatch("patient export", "app.no_such_module", "export_patient")
    assert caught.value.code == 1


def test_dispatch_runs_coroutines_and_prints_patient_exports(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Async targets are awaited; a patient export's dict is printed as JSON."""

    async def export(number: int) -> dict[str, int]:
        return {"patient": number}

    module = type(sys)("fake_data_rights")
    module.export_patient = export  # type: ignore[attr-defined]
    sys.modules["fake_data_rights"] = module
    try:
        assert cli._dispatch("patient export", "fake_data_rights", "export_patient", 7) == 0
    finally:
        del sys.modules["fake_data_rights"]
    assert '"patient": 7' in capsys.readouterr().out


def test_check_passes_on_shipped_content(tmp_path: Path) -> None:
    """Acceptance 3/6: the shipped content/ (English and Hindi) passes check."""
    result = run_cli(tmp_path, "check", content=ROOT / "content")
    assert result.code == 0, result.out + result.err
    assert result.out.startswith("OK: ")


def test_acceptance_preview_on_shipped_face_protocol(tmp_path: Path) -> None:
    """Acceptance 4 as written: Berlin preview of the shipped face protocol works."""
    result = run_cli(
        tmp_path,
        "preview",
        "micro-mesotherapy-face",
        "--session",
        "2026-03-28 20:30",
        "--tz",
        "Europe/Berlin",
        content=ROOT / "content",
    )
    assert result.code == 0, result.out + result.err
    assert "UTC+02:00" in result.out and "Traceback" not in result.err


def test_check_refuses_a_console_nothing_serves(tmp_path: Path) -> None:
    """console.url in polling mode without health.listen: `check` names the keys and what
    to set (exit 2), and so does starting the bot, never "Unexpected error: StartupError"."""
    extra = '[console]\nurl = "https://clinic.example/console"\n'
    result = run_cli(tmp_path, "check", extra=extra)
    assert result.code == 2
    assert "[console.url] is set, but nothing serves it" in result.err
    assert "health" in result.err and "webhook_url" in result.err
    started = run_cli(tmp_path, token="123:" + "a" * 35, extra=extra)
    assert started.code == 2 and "nothing serves it" in started.err
    assert "Unexpected error" not in started.err


def test_check_accepts_a_served_console_and_warns_about_http(tmp_path: Path) -> None:
    """With health.listen the console is served: `check` passes; an http:// URL gets a
    warning that Telegram opens Mini Apps only over https."""
    served = '[health]\nlisten = "127.0.0.1:8080"\n[console]\n'
    result = run_cli(tmp_path, "check", extra=served + 'url = "https://clinic.example/console"\n')
    assert result.code == 0, result.err
    assert "console.url" not in result.out
    plain = run_cli(tmp_path, "check", extra=served + 'url = "http://10.0.0.5:8080/console"\n')
    assert plain.code == 0 and "Mini Apps only over https" in plain.out
