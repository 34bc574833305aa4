"""Logging for the bot process: levels, quiet HTTP libraries, the bot token redacted, and
floods of one identical warning cut to a few lines and a count."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
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
# tornado.general logs every malformed request, refused oversized body and slow client at
# INFO, with the client's address: a flood an attacker controls.
NOISY_LOGGERS = (
    "httpx", "httpcore", "apscheduler", "hpack", "alembic.runtime.plugins", "tornado.general",
)
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


@dataclass
class _Repeats:
    """One kind of record within its current window (no reference to the record itself:
    its traceback would keep every frame's locals alive)."""

    window_start: float
    seen: int
    name: str
    levelno: int
    pathname: str
    lineno: int
    message: str


class RepeatLimiter(logging.Filter):
    """Lets the first `burst` identical records (same logger, level and rendered message,
    same exception type) through per `interval` seconds, then drops the rest: one line says
    the suppression began, and one line counts what was dropped when the window ends.

    Only WARNING and above are limited (INFO lines are events worth each line). Summaries
    go out through `emit` (the handler's own `handle`, so they are redacted and formatted
    like everything else); `flush()` writes the pending counts (at shutdown).
    """

    SUMMARY = "repeat_summary"  # attribute marking the limiter's own records
    MAX_KINDS = 1_000  # distinct messages tracked at once; older windows are flushed first

    def __init__(
        self, emit: Callable[[logging.LogRecord], object], *, burst: int = 10,
        interval: float = 60.0, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._emit = emit
        self.burst = burst
        self.interval = interval
        self._clock = clock
        self._kinds: dict[tuple[object, ...], _Repeats] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    @staticmethod
    def _key(record: logging.LogRecord) -> tuple[object, ...]:
        error = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        return (record.name, record.levelno, record.getMessage(), error)

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, self.SUMMARY, False):
            return True
        now = self._clock()
        pending: list[logging.LogRecord] = []
        with self._lock:
            if now >= self._next_sweep or len(self._kinds) > self.MAX_KINDS:
                pending = self._sweep(now)  # any record closes ended windows
            allow = record.levelno < logging.WARNING or self._count(record, now, pending)
        for summary in pending:
            self._emit(summary)
        return allow

    def _count(self, record: logging.LogRecord, now: float,
               pending: list[logging.LogRecord]) -> bool:
        key = self._key(record)
        repeats = self._kinds.get(key)
        if repeats is None or now - repeats.window_start >= self.interval:
            if repeats is not None and repeats.seen > self.burst:
                pending.append(self._summary(repeats, now))
            self._kinds[key] = _Repeats(
                window_start=now, seen=1, name=record.name, levelno=record.levelno,
                pathname=record.pathname, lineno=record.lineno, message=str(key[2]),
            )
            return True
        repeats.seen += 1
        if repeats.seen == self.burst + 1:
            pending.append(self._notice(repeats))
        return repeats.seen <= self.burst

    def flush(self) -> None:
        """Write the count of every window that dropped records, and forget them."""
        with self._lock:
            pending = [self._summary(r, self._clock()) for r in self._kinds.values()
                       if r.seen > self.burst]
            self._kinds.clear()
        for summary in pending:
            self._emit(summary)

    def _sweep(self, now: float) -> list[logging.LogRecord]:
        """Close the windows that ended (their counts out); if still too many kinds are
        tracked, the oldest go too."""
        self._next_sweep = now + min(1.0, self.interval)
        ended = [key for key, r in self._kinds.items() if now - r.window_start >= self.interval]
        if len(self._kinds) - len(ended) > self.MAX_KINDS:
            by_age = sorted(self._kinds, key=lambda k: self._kinds[k].window_start)
            ended += by_age[: len(self._kinds) - self.MAX_KINDS // 2]
        pending = []
        for key in dict.fromkeys(ended):
            repeats = self._kinds.pop(key)
            if repeats.seen > self.burst:
                pending.append(self._summary(repeats, now))
        return pending

    def _record(self, repeats: _Repeats, message: str) -> logging.LogRecord:
        record = logging.LogRecord(
            repeats.name, repeats.levelno, repeats.pathname, repeats.lineno, message, None, None,
        )
        setattr(record, self.SUMMARY, True)
        return record

    def _notice(self, repeats: _Repeats) -> logging.LogRecord:
        return self._record(repeats, (
            f"event=log_repeats_suppressing logger={repeats.name} after={self.burst} "
            f"within_seconds={self.interval:g} message={_clip(repeats.message)}"
        ))

    def _summary(self, repeats: _Repeats, now: float) -> logging.LogRecord:
        return self._record(repeats, (
            f"event=log_repeats_suppressed logger={repeats.name} "
            f"count={repeats.seen - self.burst} "
            f"seconds={min(now - repeats.window_start, self.interval):.0f} "
            f"message={_clip(repeats.message)}"
        ))


def _clip(message: str, limit: int = 120) -> str:
    line = message.replace("\n", " | ")
    return line if len(line) <= limit else line[: limit - 1] + "…"


class _FlushingStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A StreamHandler whose close (logging.shutdown, at exit) writes pending repeat counts."""

    limiter: RepeatLimiter | None = None

    def close(self) -> None:
        if self.limiter is not None:
            limiter, self.limiter = self.limiter, None
            limiter.flush()
        super().close()


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
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    for name in NOISY_LOGGERS:  # after them: tornado.general is a child of tornado
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(settings: LoggingSettings, *, stream: object = None) -> logging.Handler:
    """Set up the root logger for a bot or worker process (call from main only).

    Returns the handler, so callers (and tests) can see what was installed.
    """
    handler = _FlushingStreamHandler(stream or sys.stderr)
    if settings.logging.json_lines:
        handler.setFormatter(JsonLinesFormatter())
    else:
        handler.setFormatter(
            OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    secret = settings.telegram.webhook_secret
    # The limiter first: it keys on the raw message, and its summaries pass the redactor.
    limiter = RepeatLimiter(handler.handle)
    handler.limiter = limiter
    handler.addFilter(limiter)
    handler.addFilter(SecretRedactor([token, secret.get_secret_value() if secret else ""]))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.logging.level.upper())
    quiet_noisy_loggers()
    return handler
