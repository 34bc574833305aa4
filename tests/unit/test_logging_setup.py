"""Logging set-up: the bot token never reaches a log line, noisy HTTP logs are quiet."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from app.settings import Settings
from ops.logging_setup import REDACTED, SecretRedactor, configure_logging

TOKEN = "123456:AAExampleSecretTokenValue_xyz"


@pytest.fixture
def restore_root() -> Iterator[None]:
    """Put the root logger back as pytest had it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {
        name: logging.getLogger(name).level for name in ("httpx", "httpcore", "telegram", "tornado")
    }
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def _settings(**extra: object) -> Settings:
    return Settings(bot_token=TOKEN, **extra)  # type: ignore[arg-type]


def test_token_in_message_args_and_exception_is_redacted(restore_root: None) -> None:
    """The token is replaced in the message, its args and a logged exception's text."""
    stream = io.StringIO()
    configure_logging(_settings(), stream=stream)
    log = logging.getLogger("aftercare.test.child")  # a child: filters must be on handlers
    log.info("POST https://api.telegram.org/bot%s/getMe", TOKEN)
    log.warning(f"plain message with {TOKEN} inside")
    try:
        raise RuntimeError(f"url .../bot{TOKEN}/sendMessage failed")
    except RuntimeError:
        log.exception("send failed")
    output = stream.getvalue()
    assert TOKEN not in output
    assert output.count(REDACTED) == 3
    assert "send failed" in output and "RuntimeError" in output


def test_httpx_request_logs_are_silenced(restore_root: None) -> None:
    """httpx's INFO request lines (which carry the token in the URL) are dropped."""
    stream = io.StringIO()
    configure_logging(_settings(), stream=stream)
    logging.getLogger("httpx").info("HTTP Request: POST https://x/bot%s/getUpdates", TOKEN)
    assert logging.getLogger("httpx").level == logging.WARNING
    assert stream.getvalue() == ""


def test_debug_level_never_logs_telegram_payloads(restore_root: None) -> None:
    """At DEBUG, PTB's payload logs (which carry patient texts) stay off; ours are on."""
    stream = io.StringIO()
    configure_logging(_settings(logging={"level": "DEBUG"}), stream=stream)
    logging.getLogger("telegram.ext.Updater").debug("update %s", "my face has pus, Asha")
    logging.getLogger("aftercare").debug("event=debug_on")
    output = stream.getvalue()
    assert "Asha" not in output and "pus" not in output
    assert "event=debug_on" in output


def test_json_lines_are_redacted_too(restore_root: None) -> None:
    """The JSON formatter emits one object per line, token redacted."""
    stream = io.StringIO()
    configure_logging(_settings(logging={"json_lines": True}), stream=stream)
    logging.getLogger("aftercare").error("token %s", TOKEN)
    entry = json.loads(stream.getvalue().strip())
    assert entry["message"] == f"token {REDACTED}"
    assert entry["level"] == "ERROR"


def test_redactor_without_secrets_passes_records_through() -> None:
    """With no token configured the filter changes nothing."""
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a %s", ("b",), None)
    assert SecretRedactor([""]).filter(record)
    assert record.getMessage() == "a b"
