"""Logging for the bot process: levels, quiet HTTP libraries, and the bot token redacted."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from typing import Protocol


class _Secret(Protocol):
    def get_secret_value(self) -> str: ...


class _LoggingSection(Protocol):
    @property
    def level(self) -> str: ...

    @property
    def json_lines(self) -> bool: ...


class _TelegramSection(Protocol):
    @property
    def webhook_secret(self) -> _Secret | None: ...


class LoggingSettings(Protocol):
    """What logging reads of the settings (app.settings.Settings is one)."""

    @property
    def logging(self) -> _LoggingSection: ...

    @property
    def bot_token(self) -> _Secret | None: ...

    @property
    def telegram(self) -> _TelegramSection: ...

REDACTED = "<token>"

# httpx logs every request URL at INFO, and Bot API URLs contain the token; APScheduler
# logs each timer tick; Alembic lists its plugins at every start. None of it is worth the
# noise (or the risk) in production logs.
NOISY_LOGGERS = ("httpx", "httpcore", "apscheduler", "hpack", "alembic.runtime.plugins")
# python-telegram-bot logs whole updates and request payloads (patient texts) at DEBUG, so
# its loggers never go below INFO, whatever `logging.level` says.
PAYLOAD_LOGGERS = ("telegram", "tornado")


class SecretRedactor(logging.Filter):
    """Replaces each secret anywhere in a record (message, args, exception text) by <token>.

    Attach it to handlers, not loggers: a logger's filters do not see records that
    propagate up from child loggers, a handler's filters see everything it emits.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        # Render the message once so secrets hidden in args are caught too.
        record.msg = self._redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


class OneLineFormatter(logging.Formatter):
    """The text format with each record on one line: newlines in the message and in a
    traceback become " | ", so a line-based log shipper never splits one event."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\r\n", "\n").replace("\n", " | ")


def quiet_noisy_loggers() -> None:
    """Raise the HTTP client and scheduler loggers to WARNING; keep PTB's at INFO or above."""
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)


def configure_logging(settings: LoggingSettings, *, stream: object = None) -> logging.Handler:
    """Set up the root logger for a bot or worker process (call from main only).

    Returns the handler, so callers (and tests) can see what was installed.
    """
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    if settings.logging.json_lines:
        handler.setFormatter(JsonLinesFormatter())
    else:
        handler.setFormatter(
            OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    secret = settings.telegram.webhook_secret
    handler.addFilter(SecretRedactor([token, secret.get_secret_value() if secret else ""]))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.logging.level.upper())
    quiet_noisy_loggers()
    return handler
