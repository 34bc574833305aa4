"""Acceptance 3 in both modes: full runs over polling and webhook, production log formats."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from ops.logging_setup import configure_logging
from tests.e2e.harness import TOKEN, BotEnv, e2e_settings, running_bot
from tests.e2e.test_privacy_logs import LABEL, PATIENT_TEXTS, STAFF_REPLY, full_run
from tests.e2e.webhook_harness import SECRET, running_webhook_bot, webhook_settings_extra


@pytest.fixture
def production_log(request: pytest.FixtureRequest) -> Iterator[tuple[io.StringIO, bool]]:
    """The root logger set up as `run_bot.py` does (formatter, levels, redaction), into a
    buffer; the previous handlers are put back afterwards."""
    json_lines = bool(request.param)
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    settings = e2e_settings(
        api_url="http://127.0.0.1:9", database_url="sqlite+aiosqlite:///:memory:",
        logging={"json_lines": json_lines, "level": "INFO"}, **webhook_settings_extra(9),
    )
    stream = io.StringIO()
    configure_logging(settings, stream=stream)
    try:
        yield stream, json_lines
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])


def forbidden_strings() -> list[str]:
    forbidden = [TOKEN, TOKEN.split(":")[1], SECRET, LABEL, "Quokka", STAFF_REPLY,
                 "Wobblebottom"]
    for text in PATIENT_TEXTS:
        forbidden.append(text)
        forbidden.extend(word for word in text.split() if "-" in word)
    return forbidden


def start(mode: str, tmp_path: Path) -> AbstractAsyncContextManager[BotEnv]:
    url = f"sqlite+aiosqlite:///{tmp_path / f'{mode}.db'}"
    return running_webhook_bot(url) if mode == "webhook" else running_bot(url)


@pytest.mark.parametrize("production_log", [False, True], ids=["text", "json"], indirect=True)
@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_full_run_logs_nothing_personal_in_either_mode(
    mode: str, production_log: tuple[io.StringIO, bool], tmp_path: Path
) -> None:
    """Enroll, join, remind, ask, red flag, relay, /plan, /stats, /stop: neither the raw
    records nor the production output hold the token, the webhook secret, a label, a patient
    text or a staff reply; JSON output is one parseable object per line."""
    stream, json_lines = production_log
    async with start(mode, tmp_path) as env:
        await full_run(env)
        logging.getLogger("aftercare.test").info("event=end_of_run mode=%s", mode)
        raw = env.logs.text()
    output = stream.getvalue()
    assert f"event=end_of_run mode={mode}" in output and "end_of_run" in raw
    if mode == "webhook":
        assert "event=webhook_started" in output
    for secret in forbidden_strings():
        assert secret not in raw, f"{secret!r} reached a log record ({mode})"
        assert secret not in output, f"{secret!r} reached the log output ({mode})"
    if json_lines:
        for line in output.splitlines():
            entry = json.loads(line)
            assert {"time", "level", "logger", "message"} <= set(entry)


@pytest.mark.parametrize("production_log", [False, True], ids=["text", "json"], indirect=True)
def test_each_event_is_one_line_even_with_a_traceback(
    production_log: tuple[io.StringIO, bool],
) -> None:
    """A multi-line message and an exception's traceback still make exactly one line."""
    stream, _json_lines = production_log
    try:
        raise ValueError("first\nsecond")
    except ValueError:
        logging.getLogger("aftercare.test").exception("event=failed step=%s", "a\nb")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and "ValueError" in lines[0] and "event=failed" in lines[0]
